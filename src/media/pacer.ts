// One timer drives every media stream's frame clock. Each stream's n-th tick is due at
// start + n·interval (computed, never accumulated), so late wake-ups do not add up to drift.
// Streams are spread over phase slots so that 500 streams do not all send in the same instant.

import { performance } from "node:perf_hooks";

/** Called for each due frame: `n` counts from 0, `dueMs` is the ideal time (performance.now clock). */
export type PacerTick = (n: number, dueMs: number, nowMs: number) => void;

/** A registration; `stop()` removes it. */
export interface PacerHandle {
  stop(): void;
  readonly startMs: number;
}

interface Entry {
  start: number;
  interval: number;
  n: number;
  next: number;
  tick: PacerTick;
  active: boolean;
}

/** Options for a `Pacer`. */
export interface PacerOptions {
  /** Phase slot width in ms; stream start times are rounded up to these slots. */
  slotMs?: number;
  /** Ticks later than this many intervals are skipped rather than sent in a burst. */
  maxCatchUpFrames?: number;
}

/** A shared drift-free frame clock. */
export class Pacer {
  private readonly entries: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private readonly slotMs: number;
  private readonly maxCatchUp: number;
  private nextSlot = 0;
  /** Frames skipped because the event loop was too late to send them in time. */
  skipped = 0;

  constructor(opts: PacerOptions = {}) {
    this.slotMs = opts.slotMs ?? 1;
    this.maxCatchUp = opts.maxCatchUpFrames ?? 5;
  }

  /** Registers a stream ticking every `intervalMs`, starting at the next free phase slot. */
  add(intervalMs: number, tick: PacerTick): PacerHandle {
    const now = performance.now();
    const slots = Math.max(1, Math.floor(intervalMs / this.slotMs));
    const phase = (this.nextSlot++ % slots) * this.slotMs;
    const base = Math.ceil(now / intervalMs) * intervalMs;
    let start = base + phase;
    if (start - now > intervalMs) start -= intervalMs;
    const e: Entry = { start, interval: intervalMs, n: 0, next: start, tick, active: true };
    this.entries.push(e);
    this.arm(start);
    return {
      startMs: start,
      stop: () => {
        if (!e.active) return;
        e.active = false;
        const i = this.entries.indexOf(e);
        if (i >= 0) this.entries.splice(i, 1);
        if (this.entries.length === 0) this.disarm();
      },
    };
  }

  /** Streams currently registered. */
  get size(): number {
    return this.entries.length;
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  private arm(at: number): void {
    if (at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // Node timers have 1 ms granularity and fire late, never early: aim a little before the due time.
    const delay = Math.max(0, at - performance.now() - 0.5);
    this.timer = setTimeout(() => this.run(), delay);
  }

  private run(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = performance.now();
    // Sub-millisecond lookahead: a tick due in under half a millisecond is better sent now than after a 1 ms timer.
    const horizon = now + 0.5;
    let earliest = Infinity;
    const list = this.entries.slice();
    for (const e of list) {
      if (!e.active) continue;
      if (e.next <= horizon) {
        const behind = Math.floor((now - e.next) / e.interval);
        if (behind > this.maxCatchUp) {
          this.skipped += behind;
          e.n += behind;
          e.next = e.start + e.n * e.interval;
        }
        while (e.active && e.next <= horizon) {
          const n = e.n++;
          const due = e.next;
          e.next = e.start + e.n * e.interval;
          e.tick(n, due, now);
        }
      }
      if (e.active && e.next < earliest) earliest = e.next;
    }
    if (earliest !== Infinity && this.entries.length > 0) this.arm(earliest);
  }
}

let shared: Pacer | null = null;

/** The process-wide pacer used when a session is not given its own. */
export function sharedPacer(): Pacer {
  shared ??= new Pacer();
  return shared;
}
