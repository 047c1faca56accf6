import { callEvent, type CallEvent, type CallEventType } from "../core/index.js";
import type { Repositories, Store } from "../store/types.js";

/** Appends one step to a call's log; `at` backdates a step seen before the call existed. */
export type LogFn = (type: CallEventType, data?: Record<string, unknown>, at?: number, raw?: Buffer) => void;

/** Where a write failure is reported. */
export interface CallLogErrors {
  error(obj: object, msg: string): void;
}

/**
 * A call's detailed log on its way to the store: events are buffered, numbered here (the call is
 * their only writer) and written in batches, one batch at a time. It holds nothing of the session,
 * so what outlives a call to log late messages (the SIP hub keeps it a few seconds after the end)
 * keeps a few fields alive rather than the whole session with its record.
 */
export class CallLog {
  #pending: CallEvent[] = [];
  #nextSeq = 1;
  #flushing: Promise<void> = Promise.resolve();
  /** Once the call has ended, every event is written as it comes. */
  #sealed = false;

  constructor(
    readonly callId: string,
    private readonly startTimestamp: number,
    private readonly store: Store,
    private readonly errors: CallLogErrors,
  ) {}

  /** Appends a step (written in batches); `at` backdates a step seen before the call existed; `raw` is a SIP message's bytes. */
  add(type: CallEventType, data: Record<string, unknown> = {}, at?: number, raw?: Buffer): void {
    this.#pending.push(callEvent(this.startTimestamp, type, data, at, raw));
    if (this.#pending.length >= 64 || this.#sealed) void this.flush();
  }

  /** Writes buffered events. */
  flush(): Promise<void> {
    const batch = this.#pending;
    if (batch.length === 0) return this.#flushing;
    this.#pending = [];
    this.#flushing = this.#flushing
      .then(async () => {
        this.#nextSeq = await this.store.transaction((tx) => tx.callEvents.append(this.callId, batch, this.#nextSeq));
      })
      .catch((err: unknown) => this.errors.error({ err: String(err), callId: this.callId }, "call log write failed"));
    return this.#flushing;
  }

  /**
   * Runs `write` after the batches already on their way, handing it an appender for the events
   * still buffered, so the call's last events commit in the caller's own transaction. Events added
   * from now on are written as they come.
   */
  last<T>(write: (appendRest: (tx: Repositories) => Promise<void>) => Promise<T>): Promise<T> {
    this.#sealed = true;
    const rest = this.#pending;
    this.#pending = [];
    const done = this.#flushing.then(async () => {
      const base = this.#nextSeq;
      let next = base;
      // A shared commit may run its members twice (see GroupCommit): the numbering moves on only once it committed.
      const result = await write(async (tx) => {
        next = await tx.callEvents.append(this.callId, rest, base);
      });
      this.#nextSeq = next;
      return result;
    });
    this.#flushing = done.then(() => undefined, () => undefined);
    return done;
  }
}
