// Goertzel tone detection: single-frequency power per block, a streaming detector for a steady tone
// (answering-machine beeps, ringback), and an in-band DTMF detector (row + column pair).

import type { DtmfDigit } from "./dtmf.js";

/** Goertzel power of `freqHz` over `samples`, normalised so a full-scale sine gives about 1. */
export function goertzelPower(samples: Int16Array, freqHz: number, sampleRate: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * freqHz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = (samples[i] as number) / 32768 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (4 * power) / (n * n);
}

/** Mean-square of the block (normalised like `goertzelPower`: a full-scale sine gives 0.5). */
function blockEnergy(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = (samples[i] as number) / 32768;
    sum += v * v;
  }
  return samples.length === 0 ? 0 : sum / samples.length;
}

/** Cuts a stream of samples into fixed-size blocks, carrying the remainder to the next call. */
class BlockSplitter {
  private carry: Int16Array = new Int16Array(0);
  constructor(private readonly size: number) {}

  /** The complete blocks that `samples` (after the carried remainder) make up. */
  split(samples: Int16Array): Int16Array[] {
    const all = new Int16Array(this.carry.length + samples.length);
    all.set(this.carry, 0);
    all.set(samples, this.carry.length);
    const blocks: Int16Array[] = [];
    let o = 0;
    for (; o + this.size <= all.length; o += this.size) blocks.push(all.subarray(o, o + this.size));
    this.carry = all.slice(o);
    return blocks;
  }
}

/** A tone that lasted at least the minimum duration. */
export interface ToneDetection {
  freqHz: number;
  startMs: number;
  durationMs: number;
}

/** Options for a `ToneDetector`. */
export interface ToneDetectorOptions {
  sampleRate: number;
  /** Candidate frequencies (e.g. common beep tones 440, 850, 1000, 1400 Hz). */
  frequencies: readonly number[];
  blockMs?: number;
  /** Minimum share of the block's energy that must sit in the tone (0-1). */
  purity?: number;
  /** Minimum level in dBFS for a block to count. */
  minDbfs?: number;
  minDurationMs?: number;
}

/** Streams audio and reports steady tones when they end (or on `flush`). */
export class ToneDetector {
  private readonly opts: Required<ToneDetectorOptions>;
  private readonly splitter: BlockSplitter;
  private elapsedMs = 0;
  private run: { freqHz: number; startMs: number; blocks: number } | null = null;

  constructor(opts: ToneDetectorOptions) {
    this.opts = { blockMs: 20, purity: 0.7, minDbfs: -40, minDurationMs: 200, ...opts };
    this.splitter = new BlockSplitter(Math.round((this.opts.sampleRate * this.opts.blockMs) / 1000));
  }

  /** The dominant candidate tone of one block, or null. */
  classify(block: Int16Array): number | null {
    const energy = blockEnergy(block);
    if (energy === 0 || 10 * Math.log10(energy * 2) < this.opts.minDbfs) return null;
    let best: number | null = null;
    let bestPower = 0;
    for (const f of this.opts.frequencies) {
      const p = goertzelPower(block, f, this.opts.sampleRate);
      if (p > bestPower) {
        bestPower = p;
        best = f;
      }
    }
    // A pure sine of amplitude A has Goertzel power A² and mean square A²/2.
    return best !== null && bestPower / (2 * energy) >= this.opts.purity ? best : null;
  }

  /** Feeds samples; returns tones that ended within them. */
  push(samples: Int16Array): ToneDetection[] {
    const out: ToneDetection[] = [];
    for (const block of this.splitter.split(samples)) {
      const f = this.classify(block);
      if (this.run && f === this.run.freqHz) this.run.blocks++;
      else {
        this.close(out);
        if (f !== null) this.run = { freqHz: f, startMs: this.elapsedMs, blocks: 1 };
      }
      this.elapsedMs += this.opts.blockMs;
    }
    return out;
  }

  private close(out: ToneDetection[]): void {
    const r = this.run;
    this.run = null;
    if (r && r.blocks * this.opts.blockMs >= this.opts.minDurationMs) {
      out.push({ freqHz: r.freqHz, startMs: r.startMs, durationMs: r.blocks * this.opts.blockMs });
    }
  }

  /** Reports a tone still sounding at the end of the input. */
  flush(): ToneDetection[] {
    const out: ToneDetection[] = [];
    this.close(out);
    return out;
  }
}

const DTMF_ROWS = [697, 770, 852, 941];
const DTMF_COLS = [1209, 1336, 1477, 1633];
const DTMF_KEYS = ["123A", "456B", "789C", "*0#D"];

/** The DTMF key whose row and column tones dominate one block (ITU-T Q.24 pairs), or null. */
export function detectDtmfBlock(block: Int16Array, sampleRate: number, minDbfs = -30): DtmfDigit | null {
  const energy = blockEnergy(block);
  if (energy === 0 || 10 * Math.log10(energy * 2) < minDbfs) return null;
  const pick = (freqs: number[]): { i: number; p: number; second: number } => {
    let i = -1;
    let p = 0;
    let second = 0;
    freqs.forEach((f, k) => {
      const q = goertzelPower(block, f, sampleRate);
      if (q > p) {
        second = p;
        p = q;
        i = k;
      } else if (q > second) second = q;
    });
    return { i, p, second };
  };
  const row = pick(DTMF_ROWS);
  const col = pick(DTMF_COLS);
  if (row.i < 0 || col.i < 0) return null;
  // Both tones must carry most of the energy and stand well above the other candidates.
  if ((row.p + col.p) / (2 * energy) < 0.6) return null;
  if (row.second * 8 > row.p || col.second * 8 > col.p) return null;
  return (DTMF_KEYS[row.i] as string)[col.i] as DtmfDigit;
}

/** Streams audio and reports each in-band DTMF key once per press. */
export class InbandDtmfDetector {
  private readonly sampleRate: number;
  private readonly splitter: BlockSplitter;
  private current: DtmfDigit | null = null;
  private count = 0;

  constructor(sampleRate = 8000, blockMs = 20) {
    this.sampleRate = sampleRate;
    this.splitter = new BlockSplitter(Math.round((sampleRate * blockMs) / 1000));
  }

  /** Feeds samples; returns keys that became stable (two blocks in a row) within them. */
  push(samples: Int16Array): DtmfDigit[] {
    const out: DtmfDigit[] = [];
    for (const block of this.splitter.split(samples)) {
      const d = detectDtmfBlock(block, this.sampleRate);
      if (d !== null && d === this.current) {
        this.count++;
        if (this.count === 2) out.push(d);
      } else {
        this.current = d;
        this.count = d === null ? 0 : 1;
      }
    }
    return out;
  }
}
