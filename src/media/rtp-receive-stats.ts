// Per-source reception statistics from RFC 3550 Appendix A: sequence validation with wrap-around
// (A.1), expected/lost counts and fraction lost (A.3), and interarrival jitter (A.8).

import type { ReportBlock } from "./rtcp-packet.js";

const RTP_SEQ_MOD = 1 << 16;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const MIN_SEQUENTIAL = 2;

/** What `ReceiveStats.update` concluded about one packet's sequence number. */
export type SeqVerdict =
  | { kind: "ok"; extendedSeq: number }
  | { kind: "probation"; extendedSeq: number }
  | { kind: "duplicate-or-late"; extendedSeq: number }
  | { kind: "restart"; extendedSeq: number }
  | { kind: "bad-jump" };

/** A snapshot of one source's statistics. */
export interface ReceiveStatsSnapshot {
  ssrc: number;
  received: number;
  expected: number;
  lost: number;
  extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units (RFC 3550 A.8). */
  jitterTs: number;
  /** The same in milliseconds at the source's clock rate. */
  jitterMs: number;
  duplicatesOrLate: number;
}

/** Reception statistics for one synchronization source. */
export class ReceiveStats {
  readonly ssrc: number;
  private readonly clockRate: number;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation = MIN_SEQUENTIAL;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  /**
   * The previous packet's relative transit time (NaN before the first): a plain number field holds
   * a double in place, where `number | null` would box a new heap number for every packet.
   */
  private transit = NaN;
  private jitter = 0;
  private latePackets = 0;
  /** The extended sequence number of the packet last tracked (unchanged by a bad jump). */
  extendedSeq = 0;

  constructor(ssrc: number, clockRate: number) {
    this.ssrc = ssrc;
    this.clockRate = clockRate;
  }

  private init(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /**
   * Feeds one packet: its sequence number, RTP timestamp and arrival time (ms, any monotonic clock).
   * `timed` false leaves jitter alone (telephone-event packets repeat one timestamp on purpose).
   */
  update(seq: number, rtpTimestamp: number, arrivalMs: number, timed = true): SeqVerdict {
    const kind = this.track(seq, rtpTimestamp, arrivalMs, timed);
    return kind === "bad-jump" ? { kind } : { kind, extendedSeq: this.extendedSeq };
  }

  /**
   * `update` without a verdict object (a receive path calls it for every packet): returns the
   * verdict's kind; its extended sequence number is then in `extendedSeq`.
   */
  track(seq: number, rtpTimestamp: number, arrivalMs: number, timed = true): SeqVerdict["kind"] {
    const kind = this.updateSeq(seq);
    if (timed && kind !== "bad-jump") this.updateJitter(rtpTimestamp, arrivalMs);
    return kind;
  }

  private updateSeq(seq: number): SeqVerdict["kind"] {
    if (this.probation > 0) {
      // A source is valid once MIN_SEQUENTIAL packets arrived in sequence (A.1); the first one is counted too.
      if (this.received > 0 && seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        this.received++;
        this.extendedSeq = this.extended(seq);
        return this.probation === 0 ? "ok" : "probation";
      }
      this.init(seq);
      this.probation = MIN_SEQUENTIAL - 1;
      this.received = 1;
      this.extendedSeq = seq;
      return this.probation === 0 ? "ok" : "probation";
    }
    const udelta = (seq - this.maxSeq + RTP_SEQ_MOD) % RTP_SEQ_MOD;
    if (udelta === 0) {
      this.latePackets++;
      this.extendedSeq = this.extended(seq);
      return "duplicate-or-late";
    }
    if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      if (seq === this.badSeq) {
        // Two sequential packets after a big jump: the sender restarted its sequence.
        this.init(seq);
        this.received = 1;
        this.extendedSeq = seq;
        return "restart";
      }
      this.badSeq = (seq + 1) & 0xffff;
      return "bad-jump";
    } else {
      this.received++;
      this.latePackets++;
      this.extendedSeq = this.extendedBehind(seq);
      return "duplicate-or-late";
    }
    this.received++;
    this.extendedSeq = this.cycles + seq;
    return "ok";
  }

  private extended(seq: number): number {
    return this.cycles + seq;
  }

  private extendedBehind(seq: number): number {
    // A late packet from before the last wrap belongs to the previous cycle.
    return seq > this.maxSeq ? this.cycles - RTP_SEQ_MOD + seq : this.cycles + seq;
  }

  private updateJitter(rtpTimestamp: number, arrivalMs: number): void {
    const arrivalTs = (arrivalMs * this.clockRate) / 1000;
    const transit = arrivalTs - rtpTimestamp;
    if (!Number.isNaN(this.transit)) {
      let d = Math.abs(transit - this.transit);
      // RTP timestamps wrap at 2^32; the difference of two transits must not see that wrap.
      if (d > 0x80000000) d = Math.abs(d - 0x100000000);
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
  }

  /** Interarrival jitter in ms (without building a snapshot). */
  get jitterMs(): number {
    return (this.jitter * 1000) / this.clockRate;
  }

  /** Current counters. */
  snapshot(): ReceiveStatsSnapshot {
    const extendedHighestSeq = this.cycles + this.maxSeq;
    const expected = this.received === 0 ? 0 : extendedHighestSeq - this.baseSeq + 1;
    return {
      ssrc: this.ssrc,
      received: this.received,
      expected,
      lost: Math.max(0, expected - this.received),
      extendedHighestSeq,
      jitterTs: this.jitter,
      jitterMs: (this.jitter * 1000) / this.clockRate,
      duplicatesOrLate: this.latePackets,
    };
  }

  /** A report block for an SR/RR, advancing the "since last report" interval (RFC 3550 A.3). */
  reportBlock(lastSr: number, delaySinceLastSr: number): ReportBlock {
    const s = this.snapshot();
    const expectedInterval = s.expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = s.expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval << 8) / expectedInterval);
    const cumulative = Math.max(-0x800000, Math.min(0x7fffff, s.expected - s.received));
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fraction),
      cumulativeLost: cumulative,
      highestSeq: s.extendedHighestSeq >>> 0,
      jitter: Math.floor(this.jitter) >>> 0,
      lastSr,
      delaySinceLastSr,
    };
  }
}
