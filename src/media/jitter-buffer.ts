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

/** A reordering playout buffer; `pop()` is called once per frame interval. */
export class JitterBuffer<T> {
  private readonly packets = new Map<number, T>();
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
    if (this.packets.has(seq)) {
      this.counters.duplicates++;
      return "duplicate";
    }
    this.packets.set(seq, payload);
    // Far more queued than the buffer may hold: the sender is faster than playout; drop the oldest.
    while (this.packets.size > this.maxFrames * 2) {
      const oldest = this.minKey();
      if (oldest === null) break;
      this.packets.delete(oldest);
      this.counters.dropped++;
      if (this.nextSeq !== null && this.nextSeq <= oldest) this.nextSeq = oldest + 1;
    }
    return "queued";
  }

  /** Adaptive mode: retargets depth from the current interarrival jitter estimate (ms). */
  adapt(jitterMs: number): void {
    if (this.mode !== "adaptive") return;
    this.target = this.clamp(1 + Math.ceil((3 * jitterMs) / this.frameMs));
  }

  private minKey(): number | null {
    let min: number | null = null;
    for (const k of this.packets.keys()) if (min === null || k < min) min = k;
    return min;
  }

  /** Takes the next frame for playout (call once per frame interval). */
  pop(): JitterPopResult<T> {
    if (!this.playing) {
      if (this.packets.size < this.target) {
        return { kind: "waiting", reason: this.nextSeq === null ? "prebuffering" : "underrun" };
      }
      this.playing = true;
      this.nextSeq = this.minKey();
    }
    if (this.packets.size === 0 || this.nextSeq === null) {
      this.playing = false;
      this.counters.underruns++;
      return { kind: "waiting", reason: "underrun" };
    }
    const min = this.minKey() as number;
    if (min - this.nextSeq > this.maxFrames) this.nextSeq = min; // a long outage: do not conceal it frame by frame
    // Latency crept above target (adaptive shrink or a burst): skip the oldest frame to catch up.
    if (this.mode === "adaptive" && this.packets.size > this.target + 2 && this.packets.has(this.nextSeq)) {
      this.packets.delete(this.nextSeq);
      this.nextSeq++;
      this.counters.dropped++;
    }
    const seq = this.nextSeq;
    this.nextSeq++;
    const payload = this.packets.get(seq);
    if (payload !== undefined) {
      this.packets.delete(seq);
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
    return this.packets.size;
  }

  /** Counters and depth. */
  stats(): JitterBufferStats {
    return { ...this.counters, depthFrames: this.packets.size, targetFrames: this.target };
  }
}
