// A hand-driven clock for state-machine tests: time moves only when the test says so.
import type { Clock, TimerHandle } from "./timers.js";

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** A Clock whose time advances only through `advance`, firing due callbacks in order. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  schedule(delayMs: number, fn: () => void): TimerHandle {
    const p: Pending = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, fn, live: true };
    this.#pending.push(p);
    return { cancel: () => { p.live = false; } };
  }

  /** Delays (from now) of the callbacks still waiting, soonest first. */
  pendingDelays(): number[] {
    return this.#pending.filter((p) => p.live).map((p) => p.at - this.#now).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, running every callback that falls due, in due order. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      this.#pending = this.#pending.filter((p) => p.live);
      let next: Pending | undefined;
      for (const p of this.#pending) {
        if (p.at <= until && (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      }
      if (next === undefined) break;
      next.live = false;
      this.#now = next.at;
      next.fn();
    }
    this.#now = until;
  }
}
