import type { CallEnd } from "./call-end.js";
import type { TargetDialer } from "./warm-transfer.js";

/** What a leg reports: caller audio, DTMF, and failures it has already classified. */
export type AudioLegEvent =
  /** One frame of the caller's audio (PCM16 mono at `sampleRate`, usually 20 ms). */
  | { readonly type: "audio"; readonly pcm: Int16Array; readonly sampleRate: number; readonly at: number }
  /** The first audio from the caller arrived (media timeouts and latency start here). */
  | { readonly type: "first_audio"; readonly at: number }
  | { readonly type: "dtmf"; readonly digit: string; readonly at: number }
  /** The leg's own agent audio queue ran empty: everything sent so far has been played out. */
  | { readonly type: "playout_idle"; readonly at: number }
  /** The leg ended (far end hung up, stream broke, media timed out) with this classified reason. */
  | { readonly type: "ended"; readonly end: CallEnd };

/**
 * The face every transport shows the conversation (DESIGN.md "AudioLeg"): SIP/RTP, a browser
 * websocket or a Twilio media stream all look the same, so the conversation never knows which.
 */
export interface AudioLeg {
  readonly kind: "sip" | "web" | "twilio";
  /** Sample rate of the frames in `audio` events. */
  readonly inputRate: number;
  /** Sample rate `sendAudio` expects. */
  readonly outputRate: number;
  /** Subscribes to the leg's events; returns the unsubscribe function. */
  on(listener: (e: AudioLegEvent) => void): () => void;
  /** Queues agent audio (PCM16 mono at `outputRate`); the leg paces it out in real time. */
  sendAudio(pcm: Int16Array): void;
  /** Drops queued agent audio at once (barge-in). */
  clearAudio(): void;
  /** Milliseconds of agent audio still queued. */
  readonly queuedMs: number;
  /** Sends DTMF digits to the far end, where the transport can. */
  sendDtmf?(digits: string): void;
  /** Passes a JSON event to a client that understands them (web calls: transcript updates, metadata). */
  sendClientEvent?(event: Readonly<Record<string, unknown>>): void;
  /** Cold-transfers the far end to `destination` (SIP REFER), where the transport can. */
  transfer?(destination: string): Promise<TransferResult>;
  /** Places a warm transfer's second leg to `destination` through this call's trunk, where the transport can. */
  readonly dialTransferTarget?: TargetDialer;
}

/** How a cold transfer went: the far end took it, or why not. */
export type TransferResult = { readonly ok: true; readonly target: string } | { readonly ok: false; readonly why: string };
