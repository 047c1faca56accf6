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

/** Streams that share one interval and phase: their frames fall due at the same instants. */
interface Slot {
  readonly key: string;
  next: number;
  entries: Entry[];
  /** Stopped while the slot was being run: its entries are compacted once that run ends. */
  stale: boolean;
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
  private readonly slots = new Map<string, Slot>();
  private count = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private readonly slotMs: number;
  private readonly maxCatchUp: number;
  private nextSlot = 0;
  /** The slot whose entries `run` is iterating (a stop then only marks its entry). */
  private running: Slot | null = null;
  /** Frames skipped because the event loop was too late to send them in time. */
  skipped = 0;

  constructor(opts: PacerOptions = {}) {
    this.slotMs = opts.slotMs ?? 1;
    this.maxCatchUp = opts.maxCatchUpFrames ?? 5;
  }

  /**
   * The phase (ms within the interval) with the fewest streams of that interval, so that sends stay
   * spread as calls come and go; among equals, the one after the previous choice (round robin).
   */
  private quietestPhase(intervalMs: number): number {
    const slotCount = Math.max(1, Math.floor(intervalMs / this.slotMs));
    let best = 0;
    let bestCount = Infinity;
    for (let k = 0; k < slotCount; k++) {
      const phase = ((this.nextSlot + k) % slotCount) * this.slotMs;
      const count = this.slots.get(`${intervalMs}/${phase}`)?.entries.length ?? 0;
      if (count < bestCount) {
        best = phase;
        bestCount = count;
      }
    }
    this.nextSlot = (best / this.slotMs + 1) % slotCount;
    return best;
  }

  /** Registers a stream ticking every `intervalMs`, starting in the phase slot with the fewest streams. */
  add(intervalMs: number, tick: PacerTick): PacerHandle {
    const now = performance.now();
    const phase = this.quietestPhase(intervalMs);
    const base = Math.ceil(now / intervalMs) * intervalMs;
    let start = base + phase;
    if (start - now > intervalMs) start -= intervalMs;
    const e: Entry = { start, interval: intervalMs, n: 0, next: start, tick, active: true };
    const key = `${intervalMs}/${phase}`;
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { key, next: start, entries: [], stale: false };
      this.slots.set(key, slot);
    }
    slot.entries.push(e);
    slot.next = Math.min(slot.next, start);
    this.count++;
    this.arm(start);
    const owner = slot;
    return {
      startMs: start,
      stop: () => {
        if (!e.active) return;
        e.active = false;
        if (owner === this.running) owner.stale = true; // its run removes it when done
        else {
          const i = owner.entries.indexOf(e);
          if (i >= 0) owner.entries.splice(i, 1);
          if (owner.entries.length === 0 && this.slots.get(key) === owner) this.slots.delete(key);
        }
        if (--this.count === 0) this.disarm();
      },
    };
  }

  /** Streams currently registered. */
  get size(): number {
    return this.count;
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
    for (const slot of this.slots.values()) {
      if (slot.next <= horizon) {
        let next = Infinity;
        // Entries added by a tick are not run until the next pass, as with a copy of the list (no
        // copy per slot per run: streams stopped meanwhile are only marked, and compacted below).
        const entries = slot.entries;
        const count = entries.length;
        this.running = slot;
        for (let i = 0; i < count; i++) {
          const e = entries[i] as Entry;
          if (e.active) this.runEntry(e, now, horizon);
          if (e.active && e.next < next) next = e.next;
        }
        this.running = null;
        for (let i = count; i < entries.length; i++) next = Math.min(next, (entries[i] as Entry).next);
        if (slot.stale) {
          slot.stale = false;
          slot.entries = entries.filter((e) => e.active);
          if (slot.entries.length === 0) this.slots.delete(slot.key);
        }
        slot.next = next;
      }
      if (slot.next < earliest) earliest = slot.next;
    }
    if (earliest !== Infinity && this.count > 0) this.arm(earliest);
  }

  private runEntry(e: Entry, now: number, horizon: number): void {
    if (e.next > horizon) return;
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
}

let shared: Pacer | null = null;

/** The process-wide pacer used when a session is not given its own. */
export function sharedPacer(): Pacer {
  shared ??= new Pacer();
  return shared;
}
