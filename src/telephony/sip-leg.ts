import { callEnd, ListenerList, type AudioLeg, type AudioLegEvent, type TargetDialer, type TransferResult } from "../core/index.js";
import { RtpSession, type DtmfDigit, type G711Law, type PortLease } from "../media/index.js";
import type { CallEvidence } from "../recording/call-evidence.js";

export interface MediaTimeouts {
  /** No RTP at all this long after the call connected → error_no_audio_received (default 30 s). */
  readonly initialMs: number;
  /** RTP stopped for this long → error_no_audio_received (default 15 s). */
  readonly afterMs: number;
}

export interface SipLegOptions {
  readonly lease: PortLease;
  readonly remote: { readonly address: string; readonly port: number };
  readonly codec: G711Law;
  readonly telephoneEventPt: number | null;
  readonly evidence: CallEvidence;
  readonly timeouts: MediaTimeouts;
  /** Cold transfer through the dialog that owns this leg (SIP REFER). */
  readonly transfer?: (destination: string) => Promise<TransferResult>;
  /** Warm transfer: dials the target as a second call through the same trunk. */
  readonly dialTransferTarget?: TargetDialer;
}

const DTMF = new Set("0123456789*#ABCD");

/**
 * The AudioLeg of a SIP call: one RTP session (G.711, 20 ms, paced), the media timeout, and the
 * PCAP/recording tap. The dialog side (BYE, CANCEL) stays with the call that owns it.
 */
export class SipLeg implements AudioLeg {
  readonly kind = "sip" as const;
  readonly inputRate = 8000;
  readonly outputRate = 8000;
  readonly #listeners = new ListenerList<AudioLegEvent>();
  readonly #ticker: NodeJS.Timeout;
  readonly #connectedAt = Date.now();
  #wasPlaying = false;
  #ended = false;

  readonly transfer?: (destination: string) => Promise<TransferResult>;
  readonly dialTransferTarget?: TargetDialer;

  private constructor(
    private readonly rtp: RtpSession,
    private readonly timeouts: MediaTimeouts,
    o: Pick<SipLegOptions, "transfer" | "dialTransferTarget">,
  ) {
    if (o.transfer) this.transfer = o.transfer;
    if (o.dialTransferTarget) this.dialTransferTarget = o.dialTransferTarget;
    rtp.on((e) => {
      switch (e.type) {
        case "first-packet":
          this.#emit({ type: "first_audio", at: e.atMs });
          break;
        case "audio":
          this.#emit({ type: "audio", pcm: e.pcm, sampleRate: e.sampleRate, at: Date.now() });
          break;
        case "dtmf":
          if (e.detection.digit !== null) this.#emit({ type: "dtmf", digit: e.detection.digit, at: Date.now() });
          break;
      }
    });
    // One coarse tick per call: media timeout and "agent audio played out".
    this.#ticker = setInterval(() => this.#tick(), 100);
  }

  /** Opens the RTP session on the leased ports toward the far end's SDP address. */
  static async open(o: SipLegOptions): Promise<SipLeg> {
    const rtp = await RtpSession.open({
      codec: o.codec,
      pcmRate: 8000,
      lease: o.lease,
      remote: o.remote,
      telephoneEventPt: o.telephoneEventPt,
      capture: (d) => o.evidence.rtp(d),
    });
    return new SipLeg(rtp, o.timeouts, o);
  }

  on(listener: (e: AudioLegEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  sendAudio(pcm: Int16Array): void {
    this.rtp.sendAudio(pcm);
    this.#wasPlaying = true;
  }

  clearAudio(): void {
    this.rtp.clearAudio();
  }

  get queuedMs(): number {
    return this.rtp.queuedMs;
  }

  sendDtmf(digits: string): void {
    for (const d of digits.toUpperCase()) if (DTMF.has(d)) this.rtp.sendDtmf(d as DtmfDigit);
  }

  /** RTP statistics, for the call log. */
  stats(): ReturnType<RtpSession["stats"]> {
    return this.rtp.stats();
  }

  /** Stops the ticker and closes RTP (RTCP BYE, sockets and ports released). */
  async close(): Promise<void> {
    this.#ended = true;
    clearInterval(this.#ticker);
    await this.rtp.close();
  }

  #tick(): void {
    if (this.#ended) return;
    const now = Date.now();
    if (this.#wasPlaying && this.rtp.queuedMs === 0) {
      this.#wasPlaying = false;
      this.#emit({ type: "playout_idle", at: now });
    }
    const last = this.rtp.lastPacketAt;
    const silentFor = now - (last ?? this.#connectedAt);
    const limit = last === null ? this.timeouts.initialMs : this.timeouts.afterMs;
    if (silentFor >= limit) {
      this.#ended = true;
      clearInterval(this.#ticker);
      const message =
        last === null
          ? `no RTP arrived in the ${limit} ms after the call connected (check NAT, firewall and the SDP address)`
          : `RTP from the far end stopped for ${limit} ms`;
      this.#emit({ type: "ended", end: callEnd("error_no_audio_received", { phase: "in_call", message, subReason: last === null ? "no_rtp_at_all" : "rtp_stopped" }) });
    }
  }

  #emit(e: AudioLegEvent): void {
    for (const l of this.#listeners.current) l(e);
  }
}
