import { reasonInfo, type DisconnectionReason, type Fault, type Phase, type TerminalCallStatus } from "./reasons.js";

/** SIP evidence kept with an ending: the final response and what the carrier said about it. */
export interface SipResponseEvidence {
  readonly code: number;
  readonly phrase: string;
  /** The raw Reason header(s), e.g. `Q.850;cause=17;text="User busy"`. */
  readonly reasonHeader?: string;
  /** Carrier-specific headers such as X-Twilio-Error, Warning. */
  readonly carrierHeaders?: Readonly<Record<string, string>>;
}

/** SIP evidence of an ending caused by a request from the far end (a BYE), not a response. */
export interface SipRequestEvidence {
  readonly method: "BYE" | "CANCEL";
  readonly reasonHeader?: string;
  readonly carrierHeaders?: Readonly<Record<string, string>>;
}

export type SipEvidence = SipResponseEvidence | SipRequestEvidence;

/**
 * Why a call ended, decided by the code that saw the cause ("classify at the source").
 * Nothing downstream re-derives a reason from a message string.
 */
export interface CallEnd {
  readonly reason: DisconnectionReason;
  readonly phase: Phase;
  readonly fault: Fault;
  /** A human sentence about this particular ending (not the catalogue meaning). */
  readonly message: string;
  /** Finer classification kept beside the reason, e.g. `ring_timeout`, `network_blocked_603plus`. */
  readonly subReason?: string;
  readonly sip?: SipEvidence;
  /** Epoch ms when the cause was observed. */
  readonly at: number;
}

export interface CallEndInit {
  readonly phase: Phase;
  readonly message: string;
  readonly fault?: Fault;
  readonly subReason?: string;
  readonly sip?: SipEvidence;
  readonly at?: number;
}

/** Builds a CallEnd, taking the fault from the catalogue unless the source knows better. */
export function callEnd(reason: DisconnectionReason, init: CallEndInit): CallEnd {
  const info = reasonInfo(reason);
  return {
    reason,
    phase: init.phase,
    fault: init.fault ?? info.fault,
    message: init.message,
    ...(init.subReason !== undefined ? { subReason: init.subReason } : {}),
    ...(init.sip !== undefined ? { sip: init.sip } : {}),
    at: init.at ?? Date.now(),
  };
}

/** The call_status a record takes once this ending is applied. */
export function statusAfter(end: CallEnd): TerminalCallStatus {
  return reasonInfo(end.reason).callStatus;
}

/**
 * First-cause-wins latch: the first ending offered is kept, later ones are returned to the caller
 * as ignored so they can be logged.
 */
export class EndLatch {
  #end: CallEnd | undefined;

  /** The accepted ending, if any. */
  get end(): CallEnd | undefined {
    return this.#end;
  }

  /** Offers an ending; returns true if it was the first and is now the call's ending. */
  offer(end: CallEnd): boolean {
    if (this.#end) return false;
    this.#end = end;
    return true;
  }
}
