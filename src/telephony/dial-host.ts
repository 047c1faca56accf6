import type { LogFn } from "../calls/call-log.js";
import type { AudioLeg, CallEnd, CallEventType, CallRecord, SignallingTimestamps } from "../core/index.js";

/**
 * What a dialled SIP leg needs from whoever owns it. The call session is one owner; a warm
 * transfer's target leg is another (transfer-target.ts), so both go out through the same dialing code.
 */
export interface DialHost {
  readonly callId: string;
  readonly record: Pick<CallRecord, "timestamps" | "dataStorageSetting">;
  /** Appends a step to the log; `at` backdates one seen before the host existed. */
  log(type: CallEventType, data?: Record<string, unknown>, at?: number, raw?: Buffer): void;
  stamp(ts: Partial<SignallingTimestamps>): void;
  setTimer(name: string, ms: number, onFire: () => void): void;
  clearTimer(name: string): void;
  /** Teardown (CANCEL / BYE, media) to run when the host ends. */
  onHangup(fn: (end: CallEnd) => Promise<void> | void): void;
  /** Where the leg's evidence files are. */
  update(patch: Pick<Partial<CallRecord>, "pcapPath" | "recordingPath" | "recordingMultiChannelPath">): void;
  connected(at?: number): Promise<void>;
  attachLeg(leg: AudioLeg): void;
  end(end: CallEnd): Promise<void>;
  once(event: "ended", listener: (end: CallEnd) => void): unknown;
  /** Where the log goes once the host has ended (late retransmissions), if something lighter than the host itself can take it. */
  lateLog?(): LogFn;
}
