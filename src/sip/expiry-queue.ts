// Deadlines for thousands of entries that all wait the same few durations (64·T1, T4): one FIFO
// and one clock timer per duration instead of a timer per entry.
import type { Clock, TimerHandle } from "./timers.js";

interface Entry {
  readonly at: number;
  readonly fire: () => void;
}

/** Entries added with the same delay expire in the order they were added. */
class Lane {
  #items: Entry[] = [];
  #head = 0;
  #timer: TimerHandle | undefined;

  constructor(private readonly clock: Clock) {}

  push(entry: Entry): void {
    this.#items.push(entry);
    if (this.#timer === undefined) this.#arm();
  }

  clear(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#items = [];
    this.#head = 0;
  }

  #arm(): void {
    const next = this.#items[this.#head];
    if (next === undefined) return;
    this.#timer = this.clock.schedule(Math.max(0, next.at - this.clock.now()), () => this.#expire());
  }

  #expire(): void {
    this.#timer = undefined;
    const now = this.clock.now();
    while (this.#head < this.#items.length && this.#items[this.#head]!.at <= now) {
      const entry = this.#items[this.#head]!;
      this.#head++;
      entry.fire();
    }
    // Drop the expired prefix now and then rather than shifting on every expiry.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#arm();
  }
}

/** Runs each callback once its delay has passed; `clear()` drops every pending one. */
export class ExpiryQueue {
  readonly #lanes = new Map<number, Lane>();

  constructor(private readonly clock: Clock) {}

  /** Calls `fire` after `delayMs`. */
  add(delayMs: number, fire: () => void): void {
    let lane = this.#lanes.get(delayMs);
    if (lane === undefined) {
      lane = new Lane(this.clock);
      this.#lanes.set(delayMs, lane);
    }
    lane.push({ at: this.clock.now() + delayMs, fire });
  }

  /** Forgets every pending entry (their callbacks never run). */
  clear(): void {
    for (const lane of this.#lanes.values()) lane.clear();
  }
}
