/**
 * One step of a call's detailed log. `tMs` is milliseconds since the call record was created,
 * `at` the wall clock. Types are namespaced by layer so the dashboard can group them.
 */
export type CallEventType =
  | "call.created"
  | "call.admitted"
  | "call.refused"
  | "call.status"
  | "call.end"
  | "call.end_ignored"
  | "sip.out"
  | "sip.in"
  | "sip.transport_error"
  | "sip.dial"
  | "sip.auth_retry"
  | "sip.cancel"
  | "sip.inbound"
  | "media.first_rtp"
  | "media.timeout"
  | "media.port"
  | "timer.set"
  | "timer.fired"
  | "vad.turn"
  | "asr.result"
  | "llm.open"
  | "llm.in"
  | "llm.out"
  | "llm.close"
  | "tts.start"
  | "webhook.sent"
  | "webhook.failed"
  | "inbound.webhook"
  | "transfer"
  | "dtmf"
  | "error";

export interface CallEvent {
  readonly tMs: number;
  readonly at: number;
  readonly type: CallEventType;
  readonly data: Readonly<Record<string, unknown>>;
  /** A SIP message's bytes, kept apart from `data` until stored; the log reads it back as `data.raw`. */
  readonly raw?: Buffer;
}

/** Makes an event relative to the call's creation time. */
export function callEvent(createdAt: number, type: CallEventType, data: Record<string, unknown> = {}, at = Date.now(), raw?: Buffer): CallEvent {
  const tMs = Math.max(0, at - createdAt);
  return raw === undefined ? { tMs, at, type, data } : { tMs, at, type, data, raw };
}

/** The data of `sip.in` / `sip.out` events: enough to draw a ladder and to read the message. */
export type SipEventData = {
  /** Start line, e.g. "INVITE sip:+14155550123@trunk.example" or "486 Busy Here". */
  readonly summary: string;
  readonly method?: string;
  readonly status?: number;
  readonly callId?: string;
  readonly cseq?: string;
  readonly transport: "udp" | "tcp" | "tls" | "ws";
  /** "ip:port" of the sender and the receiver. */
  readonly from: string;
  readonly to: string;
  /** The whole message as sent or received (secrets in auth headers are masked); stored in its own column. */
  readonly raw: string;
};
