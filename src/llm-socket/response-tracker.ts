import type { DropCause } from "./events.js";

export type Verdict = { readonly accept: true } | { readonly accept: false; readonly cause: DropCause };

const ACCEPT: Verdict = { accept: true };

function drop(cause: DropCause): Verdict {
  return { accept: false, cause };
}

/**
 * Decides which streamed chunks are spoken. Only the most recently requested `response_id` is
 * accepted, and only until its `content_complete`; the begin message (id 0) only before the first
 * request and only once. An `agent_interrupt` cancels the in-flight response, and a new interrupt id
 * replaces the previous interrupt.
 */
export class ResponseTracker {
  #lastIssued = 0;
  #latestComplete = false;
  #latestCancelled = false;
  #begin: "pending" | "complete" | "interrupted" = "pending";
  #interruptId: number | undefined;
  #interruptComplete = false;

  /** Allocates the next `response_id` (1, 2, …); every earlier request is superseded. */
  nextId(): number {
    this.#lastIssued += 1;
    this.#latestComplete = false;
    this.#latestCancelled = false;
    return this.#lastIssued;
  }

  /** The newest requested id, or 0 while only the begin message is awaited. */
  get latestId(): number {
    return this.#lastIssued;
  }

  /** True while the newest request still awaits chunks (used to resend it after a reconnect). */
  get awaiting(): boolean {
    return this.#lastIssued > 0 && !this.#latestComplete && !this.#latestCancelled;
  }

  /** Judges one `response` chunk and records completion when it is accepted. */
  response(responseId: number, complete: boolean): Verdict {
    if (responseId === 0) {
      if (this.#begin === "complete") return drop("begin_repeated");
      if (this.#begin === "interrupted") return drop("interrupted");
      if (this.#lastIssued > 0) return drop("superseded");
      if (complete) this.#begin = "complete";
      return ACCEPT;
    }
    if (responseId > this.#lastIssued) return drop("not_requested");
    if (responseId < this.#lastIssued) return drop("superseded");
    if (this.#latestCancelled) return drop("interrupted");
    if (this.#latestComplete) return drop("already_complete");
    if (complete) this.#latestComplete = true;
    return ACCEPT;
  }

  /** Judges one `agent_interrupt` chunk; a new interrupt also cancels the in-flight response. */
  interrupt(interruptId: number, complete: boolean): Verdict {
    if (interruptId === this.#interruptId && this.#interruptComplete) return drop("already_complete");
    if (interruptId !== this.#interruptId) {
      this.#interruptId = interruptId;
      this.#interruptComplete = false;
      if (this.#lastIssued > 0 && !this.#latestComplete) this.#latestCancelled = true;
      if (this.#lastIssued === 0 && this.#begin === "pending") this.#begin = "interrupted";
    }
    if (complete) this.#interruptComplete = true;
    return ACCEPT;
  }
}
