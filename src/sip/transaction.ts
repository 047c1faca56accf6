// What every transaction kind shares: dependencies, outcomes, events and the RFC 3261 §17 matching keys.
import type { SipMessage, SipRequest, SipResponse } from "./message.js";
import type { Clock, TimerName, TimerPolicy } from "./timers.js";
import type { TransportFailure } from "./transport-error.js";

/** RFC 3261 branch prefix that marks a branch as globally unique. */
export const MAGIC_COOKIE = "z9hG4bK";

/** What a transaction needs from the layer below and the clock. */
export interface TransactionDeps {
  readonly clock: Clock;
  readonly timers: TimerPolicy;
  /** True on TCP/TLS: no retransmissions, zero-length wait timers. */
  readonly reliable: boolean;
  /** Sends one message; rejects with a SipTransportError when the transport fails. */
  readonly send: (message: SipMessage, retransmission: boolean) => Promise<void>;
}

/** How many provisionals a client transaction saw before it ended: classification evidence. */
export interface ProvisionalSummary {
  readonly count: number;
  /** Status of the first provisional (100, 180, 183…). */
  readonly firstStatus?: number;
  readonly lastStatus?: number;
  /** Clock time (ms) of the first provisional. */
  readonly firstAt?: number;
  /** True once a 180 or 183 (not only 100) arrived. */
  readonly alerted: boolean;
}

/** How a client transaction ended, from the TU's point of view. */
export type ClientOutcome =
  | { readonly kind: "final"; readonly response: SipResponse; readonly provisionals: ProvisionalSummary }
  | {
      readonly kind: "timeout";
      /** B: INVITE unanswered; F: non-INVITE unanswered; cancel_guard: no final 64·T1 after our CANCEL. */
      readonly timer: "B" | "F" | "cancel_guard";
      readonly afterMs: number;
      readonly provisionals: ProvisionalSummary;
    }
  | { readonly kind: "transport_error"; readonly failure: TransportFailure; readonly provisionals: ProvisionalSummary }
  | { readonly kind: "aborted"; readonly why: string; readonly provisionals: ProvisionalSummary };

/** How a server transaction ended. */
export type ServerOutcome =
  | { readonly kind: "completed"; readonly status: number; readonly acked: boolean }
  /** H: our non-2xx final to an INVITE was never ACKed. */
  | { readonly kind: "timeout"; readonly timer: "H"; readonly status: number }
  /** L: our 2xx to an INVITE was never ACKed (RFC 6026 Accepted state ran out). */
  | { readonly kind: "no_ack"; readonly timer: "L"; readonly status: number }
  | { readonly kind: "transport_error"; readonly failure: TransportFailure }
  | { readonly kind: "aborted"; readonly why: string };

/** Client transaction events, in the order they happen. */
export type ClientTxEvent =
  | { readonly type: "state"; readonly from: string; readonly to: string }
  | { readonly type: "sent"; readonly message: SipMessage; readonly retransmission: boolean }
  | { readonly type: "timer_set"; readonly timer: TimerName; readonly delayMs: number }
  | { readonly type: "timer_fired"; readonly timer: TimerName }
  | { readonly type: "provisional"; readonly response: SipResponse }
  | { readonly type: "final"; readonly response: SipResponse }
  /** INVITE only: a 2xx after the first one (a retransmission, or another fork); the TU must ACK it. */
  | { readonly type: "extra_2xx"; readonly response: SipResponse }
  | { readonly type: "outcome"; readonly outcome: ClientOutcome }
  | { readonly type: "terminated" };

/** Server transaction events, in the order they happen. */
export type ServerTxEvent =
  | { readonly type: "state"; readonly from: string; readonly to: string }
  | { readonly type: "sent"; readonly message: SipMessage; readonly retransmission: boolean }
  | { readonly type: "timer_set"; readonly timer: TimerName; readonly delayMs: number }
  | { readonly type: "timer_fired"; readonly timer: TimerName }
  | { readonly type: "request_retransmission" }
  /** INVITE only: the ACK for our 2xx (RFC 6026: passed up from the Accepted state). */
  | { readonly type: "ack"; readonly request: SipRequest }
  | { readonly type: "outcome"; readonly outcome: ServerOutcome }
  | { readonly type: "terminated" };

/** Thrown when the TU asks a transaction for something its state does not allow. */
export class TransactionStateError extends Error {
  constructor(readonly state: string, readonly action: string) {
    super(`transaction in state ${state} cannot ${action}`);
    this.name = "TransactionStateError";
  }
}

/** The key of a client transaction (§17.1.3): top Via branch + CSeq method. */
export function clientKey(message: SipMessage): string | undefined {
  const branch = message.headers.via()?.branch;
  const method = message.headers.cseq()?.method;
  if (branch === undefined || method === undefined) return undefined;
  return `${branch}|${method === "ACK" ? "INVITE" : method}`;
}

/**
 * The key of a server transaction (§17.2.3): branch + sent-by + method, ACK folded onto INVITE.
 * `methodOverride` lets a CANCEL look up the INVITE it cancels.
 */
export function serverKey(request: SipRequest, methodOverride?: string): string | undefined {
  const via = request.headers.via();
  if (via === undefined) return undefined;
  const method = methodOverride ?? (request.method === "ACK" ? "INVITE" : request.method);
  const sentBy = `${via.host.toLowerCase()}:${via.port ?? ""}`;
  if (via.branch !== undefined && via.branch.startsWith(MAGIC_COOKIE)) return `${via.branch}|${sentBy}|${method}`;
  // RFC 2543 peers: no unique branch, so fall back to the dialog and CSeq identifiers (§17.2.3).
  const h = request.headers;
  return `2543|${h.callId() ?? ""}|${h.from()?.tag ?? ""}|${h.cseq()?.seq ?? ""}|${sentBy}|${via.branch ?? ""}|${method}`;
}

/** Mutable provisional tally kept by client transactions. */
export class ProvisionalTally {
  #s: { count: number; firstStatus?: number; lastStatus?: number; firstAt?: number; alerted: boolean } = { count: 0, alerted: false };

  /** Records one provisional response. */
  add(status: number, at: number): void {
    const s = this.#s;
    s.count++;
    if (s.firstStatus === undefined) {
      s.firstStatus = status;
      s.firstAt = at;
    }
    s.lastStatus = status;
    if (status > 100) s.alerted = true;
  }

  /** A frozen copy. */
  snapshot(): ProvisionalSummary {
    return { ...this.#s };
  }

  /** Provisionals seen so far. */
  get count(): number {
    return this.#s.count;
  }
}
