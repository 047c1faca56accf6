import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { DataStorageSetting } from "../core/index.js";
import {
  g711Decode,
  g711LawOfPayloadType,
  PcapWriter,
  readRtpHeader,
  RtpHeaderView,
  type CapturedDatagram,
  type PacketTapEntry,
  type PcapSummary,
} from "../media/index.js";
import { CallRecorder } from "./call-recorder.js";

/** Where a call's artifacts live under the data directory. */
export interface EvidencePaths {
  readonly pcap?: string;
  readonly recording?: string;
  readonly recordingMultiChannel?: string;
}

/** One SIP message as the transport saw it, for the capture. */
export interface SipCapture {
  readonly direction: "in" | "out";
  readonly transport: "udp" | "tcp" | "tls" | "ws";
  readonly local: { address: string; port: number };
  readonly peer: { address: string; port: number };
  readonly raw: Uint8Array;
  readonly at: number;
}

/**
 * One decoded frame, shared by every call: the recorder copies it at once. Two frames per call
 * every 20 ms would otherwise each be a fresh typed array with its own backing store.
 */
let scratch = new Int16Array(160);

function decodeScratch(samples: number): Int16Array {
  if (scratch.length !== samples) scratch = new Int16Array(samples);
  return scratch;
}

/** The header of a plain tap entry's datagram (a session's capture hands on its own). */
const tapHeader = new RtpHeaderView();

/**
 * A call's evidence files: the PCAP of its SIP and RTP, and its recordings. What is kept follows
 * the call's data-storage setting: everything → PCAP and recordings; otherwise none.
 */
export class CallEvidence {
  #reconstructedNoted = false;

  private constructor(
    readonly paths: EvidencePaths,
    private readonly pcap: PcapWriter | undefined,
    private readonly recorder: CallRecorder | undefined,
  ) {}

  /** Opens the files the setting allows, under `dataDir/calls/<callId>/`. */
  static async open(dataDir: string, callId: string, setting: DataStorageSetting, t0: number, pcapMaxBytes = 50_000_000): Promise<CallEvidence> {
    if (setting !== "everything") return new CallEvidence({}, undefined, undefined);
    const dir = join(dataDir, "calls", callId);
    await mkdir(dir, { recursive: true });
    const paths = { pcap: join(dir, "capture.pcap"), recording: join(dir, "recording.wav"), recordingMultiChannel: join(dir, "recording-multichannel.wav") };
    const [pcap, recorder] = await Promise.all([
      PcapWriter.create(paths.pcap, { maxBytes: pcapMaxBytes }),
      CallRecorder.create(paths.recordingMultiChannel, paths.recording, t0),
    ]);
    return new CallEvidence(paths, pcap, recorder);
  }

  /** Captures one SIP message; TLS is written decrypted as TCP and the capture says so once. */
  sip(m: SipCapture): void {
    if (!this.pcap) return;
    const local = { address: m.local.address === "0.0.0.0" ? "127.0.0.1" : m.local.address, port: m.local.port };
    const [src, dst] = m.direction === "out" ? [local, m.peer] : [m.peer, local];
    if (m.transport === "udp") this.pcap.writeUdp(src, dst, m.raw, m.at);
    else {
      if (m.transport === "tls" && !this.#reconstructedNoted) {
        this.#reconstructedNoted = true;
        // A marker datagram (discard port) that Wireshark shows in the list: the TCP below is TLS plaintext.
        this.pcap.writeUdp(local, { address: local.address, port: 9 }, Buffer.from("parley: SIP over TLS, reconstructed from Parley's own decrypted view"), m.at);
      }
      this.pcap.writeTcp(src, dst, m.raw, m.at);
    }
  }

  /**
   * Captures one RTP/RTCP datagram and feeds G.711 audio to the recording. Given an RtpSession's
   * `CapturedDatagram` it uses the session's parse of the header; a plain tap entry is parsed here.
   */
  rtp(t: PacketTapEntry | Readonly<CapturedDatagram>): void {
    this.pcap?.writeTapped(t);
    if (!this.recorder || t.protocol !== "rtp") return;
    const h = "rtp" in t ? t.rtp : readRtpHeader(t.data, tapHeader) === null ? tapHeader : null;
    if (!h) return;
    const law = g711LawOfPayloadType(h.payloadType);
    if (!law) return;
    const pcm = g711Decode(law, t.data, decodeScratch(h.payloadEnd - h.payloadStart), h.payloadStart, h.payloadEnd);
    if (t.direction === "in") this.recorder.user(pcm, t.atMs);
    else this.recorder.agent(pcm, t.atMs);
  }

  /** Finishes the files; reports whether the capture hit its size cap. */
  async close(): Promise<{ pcap?: PcapSummary }> {
    const [summary] = await Promise.all([this.pcap?.close(), this.recorder?.close()]);
    return summary ? { pcap: summary } : {};
  }
}
