// A playout jitter buffer keyed by extended RTP sequence number: it reorders, drops late and
// duplicate packets, conceals gaps (repeat the last frame, then silence), and in adaptive mode
// sizes its depth from the measured interarrival jitter.

/** How the buffer decides its depth. */
export interface JitterBufferOptions {
  mode?: "fixed" | "adaptive";
  /** Frames held before playout starts (fixed mode: always; adaptive: the starting point). */
  depthFrames?: number;
  minFrames?: number;
  maxFrames?: number;
  frameMs?: number;
  /** Consecutive gaps filled by repeating the last frame before switching to silence. */
  maxRepeats?: number;
}

/** What happened to a pushed packet. */
export type JitterPushResult = "queued" | "late" | "duplicate";

/** One playout step. */
export type JitterPopResult<T> =
  | { kind: "frame"; seq: number; payload: T }
  | { kind: "concealed"; seq: number; mode: "repeat"; payload: T }
  | { kind: "concealed"; seq: number; mode: "silence" }
  | { kind: "waiting"; reason: "prebuffering" | "underrun" };

/** Counters since creation. */
export interface JitterBufferStats {
  played: number;
  concealed: number;
  late: number;
  duplicates: number;
  dropped: number;
  underruns: number;
  depthFrames: number;
  targetFrames: number;
}

/** The two waiting results carry no state: shared, so an idle or prebuffering stream allocates nothing. */
const PREBUFFERING: JitterPopResult<never> = Object.freeze({ kind: "waiting", reason: "prebuffering" });
const UNDERRUN: JitterPopResult<never> = Object.freeze({ kind: "waiting", reason: "underrun" });

/** A reordering playout buffer; `pop()` is called once per frame interval. */
export class JitterBuffer<T> {
  /**
   * Queued packets, sorted by sequence number, as two parallel arrays. A Map keyed by sequence
   * number, filled at one end and emptied at the other, re-hashed itself every few packets (its
   * deleted slots are only reclaimed by a rehash, which allocates a new table). Every key is at
   * least `nextSeq` once playing, so playout and drops take the front; arrivals append at the back
   * unless reordered.
   */
  private readonly seqs: number[] = [];
  private readonly payloads: T[] = [];
  private readonly mode: "fixed" | "adaptive";
  private readonly minFrames: number;
  private readonly maxFrames: number;
  private readonly frameMs: number;
  private readonly maxRepeats: number;
  private target: number;
  private nextSeq: number | null = null;
  private playing = false;
  private last: T | null = null;
  private repeats = 0;
  private readonly counters = { played: 0, concealed: 0, late: 0, duplicates: 0, dropped: 0, underruns: 0 };

  constructor(opts: JitterBufferOptions = {}) {
    this.mode = opts.mode ?? "adaptive";
    this.minFrames = Math.max(1, opts.minFrames ?? 1);
    this.maxFrames = Math.max(this.minFrames, opts.maxFrames ?? 25);
    this.frameMs = opts.frameMs ?? 20;
    this.maxRepeats = opts.maxRepeats ?? 2;
    this.target = this.clamp(opts.depthFrames ?? 3);
  }

  private clamp(n: number): number {
    return Math.min(this.maxFrames, Math.max(this.minFrames, Math.round(n)));
  }

  /** Adds a packet by extended sequence number. */
  push(seq: number, payload: T): JitterPushResult {
    if (this.nextSeq !== null && seq < this.nextSeq) {
      this.counters.late++;
      return "late";
    }
    const seqs = this.seqs;
    let i = seqs.length;
    while (i > 0 && (seqs[i - 1] as number) > seq) i--;
    if (i > 0 && seqs[i - 1] === seq) {
      this.counters.duplicates++;
      return "duplicate";
    }
    if (i === seqs.length) {
      seqs.push(seq);
      this.payloads.push(payload);
    } else {
      seqs.splice(i, 0, seq);
      this.payloads.splice(i, 0, payload);
    }
    // Far more queued than the buffer may hold: the sender is faster than playout; drop the oldest.
    while (seqs.length > this.maxFrames * 2) {
      const oldest = this.removeAt(0);
      this.counters.dropped++;
      if (this.nextSeq !== null && this.nextSeq <= oldest) this.nextSeq = oldest + 1;
    }
    return "queued";
  }

  /** Index of `seq` in the queue, or -1. */
  private indexOf(seq: number): number {
    const seqs = this.seqs;
    for (let i = 0; i < seqs.length; i++) {
      const s = seqs[i] as number;
      if (s === seq) return i;
      if (s > seq) return -1;
    }
    return -1;
  }

  /** Removes the entry at `i` (in practice the front); returns its sequence number. */
  private removeAt(i: number): number {
    if (i === 0) {
      this.payloads.shift();
      return this.seqs.shift() as number;
    }
    this.payloads.splice(i, 1);
    return this.seqs.splice(i, 1)[0] as number;
  }

  /** Adaptive mode: retargets depth from the current interarrival jitter estimate (ms). */
  adapt(jitterMs: number): void {
    if (this.mode !== "adaptive") return;
    this.target = this.clamp(1 + Math.ceil((3 * jitterMs) / this.frameMs));
  }

  private minKey(): number | null {
    return this.seqs.length > 0 ? (this.seqs[0] as number) : null;
  }

  /** Takes the next frame for playout (call once per frame interval). */
  pop(): JitterPopResult<T> {
    if (!this.playing) {
      if (this.seqs.length < this.target) return this.nextSeq === null ? PREBUFFERING : UNDERRUN;
      this.playing = true;
      this.nextSeq = this.minKey();
    }
    if (this.seqs.length === 0 || this.nextSeq === null) {
      this.playing = false;
      this.counters.underruns++;
      return UNDERRUN;
    }
    const min = this.minKey() as number;
    if (min - this.nextSeq > this.maxFrames) this.nextSeq = min; // a long outage: do not conceal it frame by frame
    // Latency crept above target (adaptive shrink or a burst): skip the oldest frame to catch up.
    if (this.mode === "adaptive" && this.seqs.length > this.target + 2) {
      const skip = this.indexOf(this.nextSeq);
      if (skip >= 0) {
        this.removeAt(skip);
        this.nextSeq++;
        this.counters.dropped++;
      }
    }
    const seq = this.nextSeq;
    this.nextSeq++;
    const at = this.indexOf(seq);
    if (at >= 0) {
      const payload = this.payloads[at] as T;
      this.removeAt(at);
      this.last = payload;
      this.repeats = 0;
      this.counters.played++;
      return { kind: "frame", seq, payload };
    }
    this.counters.concealed++;
    if (this.last !== null && this.repeats < this.maxRepeats) {
      this.repeats++;
      return { kind: "concealed", seq, mode: "repeat", payload: this.last };
    }
    return { kind: "concealed", seq, mode: "silence" };
  }

  /** Frames currently queued. */
  get depth(): number {
    return this.seqs.length;
  }

  /** Counters and depth. */
  stats(): JitterBufferStats {
    return { ...this.counters, depthFrames: this.seqs.length, targetFrames: this.target };
  }
}
