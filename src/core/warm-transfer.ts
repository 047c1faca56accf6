import type { AudioLeg } from "./audio-leg.js";
import type { CallEnd } from "./call-end.js";

/** How long a warm-transfer target may ring when neither the response nor the agent says. */
export const DEFAULT_TRANSFER_TIMEOUT_MS = 30_000;

/** A transfer target that answered: its own audio leg, and its lifetime. */
export interface AnsweredTarget {
  readonly ok: true;
  /** Where the target leg was dialled (the Request-URI). */
  readonly target: string;
  readonly leg: AudioLeg;
  /** Resolves with the target's own ending (it hung up, or its media stopped). */
  readonly ended: Promise<CallEnd>;
  /** Hangs the target up (BYE carrying `end`'s reason) and releases its media. */
  hangUp(end: CallEnd): Promise<void>;
}

/** The second leg of a warm transfer: answered, or the target's failure classified where it was seen. */
export type TargetDial = AnsweredTarget | { readonly ok: false; readonly target: string; readonly end: CallEnd };

/** Places a warm transfer's target leg; aborting `signal` CANCELs it while it rings. */
export type TargetDialer = (destination: string, options: TargetDialOptions) => Promise<TargetDial>;

export interface TargetDialOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** The number the target sees calling (From, P-Asserted-Identity); default the call's own number. */
  readonly callerId?: string;
}

/** What the agent asks for: dial `destination`, optionally whisper to it, then bridge the caller. */
export interface WarmTransferRequest {
  readonly destination: string;
  readonly timeoutMs: number;
  /** Retell's `show_transferee_as_caller`: the target sees the user's number instead of the agent's. */
  readonly showTransfereeAsCaller?: boolean;
  /** Speaks the handoff message to the target leg only; resolves once played out, or at once when `signal` aborts (the target left). */
  readonly whisper?: (target: AudioLeg, signal: AbortSignal) => Promise<void>;
}

/** How a warm transfer went: bridged, or why not (the target's classified ending when it was dialled). */
export type WarmTransferOutcome =
  | { readonly ok: true; readonly target: string }
  | { readonly ok: false; readonly why: string; readonly targetEnd?: CallEnd };
