import type { WebSocket } from "ws";
import type { AudioLeg, AudioLegEvent } from "../core/audio-leg.js";
import { callEnd, type CallEnd } from "../core/call-end.js";
import { Resampler, type Pacer } from "../media/index.js";
import { FrameChunker } from "./frame-chunker.js";
import { LegEmitter } from "./leg-emitter.js";
import { DEFAULT_MEDIA_TIMEOUTS, MediaWatchdog, noAudioEnd, type MediaTimeouts } from "./media-watchdog.js";
import { PacedSender } from "./paced-sender.js";
import { RateEstimator } from "./rate-estimator.js";
import { clientEventText, MAX_WEB_FRAME_BYTES, parseWebFrame, toPcm16le } from "./web-protocol.js";
import { closeReason, isOpen } from "./socket-close.js";

export interface WebLegOptions {
  /** The client's sample rate when it named one (`?sample_rate=`); otherwise it is measured. */
  readonly clientRate?: number;
  /** Rate of the leg's `audio` events and of `sendAudio` (default 16 000). */
  readonly rate?: number;
  /** The client asked for transcript `update` events (`?enable_update=true`). */
  readonly enableUpdate?: boolean;
  readonly mediaTimeouts?: MediaTimeouts;
  readonly maxFrameBytes?: number;
  readonly pacer?: Pacer;
  /** Queue events until `release()` (the route holds them while the call is being bound). */
  readonly held?: boolean;
}

/** Counters kept for the call log and tests. */
export interface WebLegStats {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  clientRate: number | undefined;
  rateSource: "client" | "measured" | undefined;
  measuredRate: number | undefined;
}

/** Caller audio held while the client's rate is still being measured (at most this long). */
const MAX_HELD_MS = 5000;

/**
 * A browser call over the retell-client-js-sdk 1.x websocket protocol: binary PCM16LE both ways at
 * the client's rate, ping/pong, "clear" on barge-in, JSON update/metadata events to the client.
 */
export class WebLeg implements AudioLeg {
  readonly kind = "web" as const;
  readonly inputRate: number;
  readonly outputRate: number;
  readonly #ws: WebSocket;
  readonly #events: LegEmitter;
  readonly #watchdog: MediaWatchdog;
  readonly #sender: PacedSender;
  readonly #chunker: FrameChunker;
  readonly #enableUpdate: boolean;
  readonly #maxFrameBytes: number;
  readonly #estimator = new RateEstimator();
  #clientRate: number | undefined;
  #in: Resampler | undefined;
  #out: Resampler | undefined;
  #heldIn: Int16Array[] = [];
  #heldInSamples = 0;
  #heldOut: Int16Array[] = [];
  #ended = false;
  #started = false;
  readonly stats: WebLegStats = { framesIn: 0, bytesIn: 0, framesOut: 0, clientRate: undefined, rateSource: undefined, measuredRate: undefined };

  constructor(ws: WebSocket, opts: WebLegOptions = {}) {
    this.#ws = ws;
    this.#events = new LegEmitter(opts.held ?? false);
    this.inputRate = this.outputRate = opts.rate ?? 16_000;
    this.#enableUpdate = opts.enableUpdate ?? false;
    this.#maxFrameBytes = opts.maxFrameBytes ?? MAX_WEB_FRAME_BYTES;
    this.#chunker = new FrameChunker(Math.round(this.inputRate / 50));
    this.#sender = new PacedSender(this.outputRate, (f) => this.#sendFrame(f), () => this.#emit({ type: "playout_idle", at: Date.now() }), opts.pacer);
    this.#watchdog = new MediaWatchdog(opts.mediaTimeouts ?? DEFAULT_MEDIA_TIMEOUTS, (silence) =>
      this.#fail(
        noAudioEnd(silence, silence.sawAudio ? `the web client sent no audio for ${silence.silentMs} ms` : `the web client sent no audio in the ${silence.silentMs} ms after joining`),
        4408,
      ),
    );
    if (opts.clientRate !== undefined) this.#setClientRate(opts.clientRate, "client");
    ws.on("message", (data: Buffer, isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on("close", (code: number, reason: Buffer) => this.#onClose(code, reason.toString("utf8")));
    ws.on("error", (err: Error) =>
      this.#fail(callEnd("error_frontend_corrupted_payload", { phase: "in_call", message: `the web client's websocket failed: ${err.message}` }), 1007),
    );
  }

  /** Starts the media clock; call once the leg is joined to its call. */
  start(): void {
    if (this.#started || this.#ended) return;
    this.#started = true;
    this.#watchdog.start();
  }

  /** Delivers events held since construction (see `held`). */
  release(): void {
    this.#events.release();
  }

  on(listener: (e: AudioLegEvent) => void): () => void {
    return this.#events.on(listener);
  }

  get queuedMs(): number {
    let held = 0;
    for (const c of this.#heldOut) held += c.length;
    return this.#sender.queuedMs + (held * 1000) / this.outputRate;
  }

  sendAudio(pcm: Int16Array): void {
    if (this.#ended) return;
    if (this.#clientRate === undefined) this.#heldOut.push(pcm);
    else this.#sender.push(pcm);
  }

  clearAudio(): void {
    this.#heldOut = [];
    this.#sender.clear();
    if (isOpen(this.#ws)) this.#ws.send("clear");
  }

  sendClientEvent(event: Readonly<Record<string, unknown>>): void {
    if (this.#ended || !isOpen(this.#ws)) return;
    // 1.x clients get transcript updates only when they asked for them.
    if (event.event_type === "update" && !this.#enableUpdate) return;
    this.#ws.send(clientEventText(event));
  }

  /** Closes the socket at the call's end (server side: code 1000). */
  close(end?: CallEnd): void {
    this.#stop();
    if (isOpen(this.#ws)) this.#ws.close(1000, closeReason(end ? `call ended: ${end.reason}` : "call ended"));
  }

  #emit(e: AudioLegEvent): void {
    this.#events.emit(e);
  }

  #stop(): void {
    this.#ended = true;
    this.#watchdog.stop();
    this.#sender.close();
  }

  #fail(end: CallEnd, code: number): void {
    if (this.#ended) return;
    this.#stop();
    // The socket closes with the failure's own code before the call's hangup would close it with 1000.
    if (isOpen(this.#ws)) this.#ws.close(code, closeReason(end.reason));
    this.#emit({ type: "ended", end });
  }

  #onClose(code: number, reason: string): void {
    if (this.#ended) return;
    this.#stop();
    const dropped = code === 1006;
    this.#emit({
      type: "ended",
      end: callEnd("user_hangup", {
        phase: "in_call",
        ...(dropped ? { subReason: "socket_dropped" } : {}),
        message: dropped ? "the web client's connection dropped (1006)" : `the web client closed the call (code ${code}${reason ? `, ${reason}` : ""})`,
      }),
    });
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#ended) return;
    const frame = parseWebFrame(data, isBinary, this.#maxFrameBytes);
    switch (frame.kind) {
      case "ping":
        this.#ws.send("pong");
        return;
      case "pong":
      case "json":
        return;
      case "invalid":
        this.#fail(callEnd("error_frontend_corrupted_payload", { phase: "in_call", message: `the web client sent an invalid frame: ${frame.why}` }), 1007);
        return;
      case "audio":
        this.#onAudio(frame.pcm, data.length);
    }
  }

  #onAudio(pcm: Int16Array, bytes: number): void {
    const now = Date.now();
    this.stats.framesIn++;
    this.stats.bytesIn += bytes;
    this.#watchdog.feed(now);
    if (this.stats.framesIn === 1) this.#emit({ type: "first_audio", at: now });
    if (this.#clientRate === undefined) {
      this.#heldIn.push(pcm);
      this.#heldInSamples += pcm.length;
      const est = this.#estimator.add(pcm.length, now);
      if (est) {
        this.stats.measuredRate = est.measured;
        this.#setClientRate(est.rate, "measured");
      } else if (this.#heldInSamples > (48_000 * MAX_HELD_MS) / 1000) {
        this.#heldIn.shift();
      }
      return;
    }
    this.#deliver(pcm, now);
  }

  #deliver(pcm: Int16Array, at: number): void {
    const resampled = this.#in ? this.#in.process(pcm) : pcm;
    for (const frame of this.#chunker.push(resampled)) this.#emit({ type: "audio", pcm: frame, sampleRate: this.inputRate, at });
  }

  #setClientRate(rate: number, source: "client" | "measured"): void {
    this.#clientRate = rate;
    this.stats.clientRate = rate;
    this.stats.rateSource = source;
    if (rate !== this.inputRate) {
      this.#in = new Resampler(rate, this.inputRate);
      this.#out = new Resampler(this.outputRate, rate);
    }
    const now = Date.now();
    for (const pcm of this.#heldIn) this.#deliver(pcm, now);
    this.#heldIn = [];
    this.#heldInSamples = 0;
    for (const pcm of this.#heldOut) this.#sender.push(pcm);
    this.#heldOut = [];
  }

  #sendFrame(frame: Int16Array): void {
    if (!isOpen(this.#ws)) return;
    const out = this.#out ? this.#out.process(frame) : frame;
    this.stats.framesOut++;
    this.#ws.send(toPcm16le(out));
  }
}
