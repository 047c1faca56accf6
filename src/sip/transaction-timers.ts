// Named, cancellable timers for one transaction, announcing every arm and fire as an event.
import type { Clock, TimerHandle, TimerName } from "./timers.js";

type TimerEvent = { type: "timer_set"; timer: TimerName; delayMs: number } | { type: "timer_fired"; timer: TimerName };

/** The timers of one transaction: at most one of each name, all cancelled together at the end. */
export class TransactionTimers {
  readonly #live = new Map<TimerName, TimerHandle>();

  constructor(private readonly clock: Clock, private readonly emit: (e: TimerEvent) => void) {}

  /** (Re)arms `name`; a zero delay still runs asynchronously, never inside the caller. */
  set(name: TimerName, delayMs: number, fire: () => void): void {
    this.#live.get(name)?.cancel();
    this.emit({ type: "timer_set", timer: name, delayMs });
    this.#live.set(name, this.clock.schedule(delayMs, () => {
      this.#live.delete(name);
      this.emit({ type: "timer_fired", timer: name });
      fire();
    }));
  }

  /** Stops `name` if armed. */
  clear(name: TimerName): void {
    this.#live.get(name)?.cancel();
    this.#live.delete(name);
  }

  /** Stops every timer. */
  clearAll(): void {
    for (const h of this.#live.values()) h.cancel();
    this.#live.clear();
  }

  /** True while `name` is armed. */
  has(name: TimerName): boolean {
    return this.#live.has(name);
  }
}
