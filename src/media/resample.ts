// Streaming rational resampler for PCM16: a polyphase FIR (Kaiser-windowed sinc), which keeps
// input history between calls so frame-by-frame output equals whole-signal output.

/** Sample rates Parley's audio paths use. */
export type SampleRate = 8000 | 16000 | 24000 | 48000;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/** Options for a `Resampler`. */
export interface ResamplerOptions {
  /** Filter length in taps per sample at the higher of the two rates' steps (quality vs. cost); default 64. */
  tapsPerPhase?: number;
  /** Kaiser window beta (stop-band attenuation); default 6 (about 63 dB). */
  beta?: number;
  /** Cutoff as a fraction of the lower Nyquist frequency; default 0.93. */
  cutoff?: number;
}

/** Converts PCM16 between two rates, keeping state between `process` calls. */
export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  private readonly up: number;
  private readonly down: number;
  private readonly taps: number;
  private readonly phases: Float32Array[];
  private history: Float32Array;
  /** Position of the next output in the upsampled domain, relative to the current chunk's first input. */
  private t = 0;

  constructor(inRate: number, outRate: number, opts: ResamplerOptions = {}) {
    if (!(inRate > 0 && outRate > 0 && Number.isInteger(inRate) && Number.isInteger(outRate))) {
      throw new RangeError(`bad resampling rates ${inRate} -> ${outRate}`);
    }
    this.inRate = inRate;
    this.outRate = outRate;
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    // The prototype filter runs at the upsampled rate; its length scales with the larger of the two
    // factors so that decimation (48 → 8 kHz) gets as sharp a transition as interpolation.
    const span = opts.tapsPerPhase ?? 64;
    const beta = opts.beta ?? 6;
    const cutoff = ((opts.cutoff ?? 0.93) * 0.5) / Math.max(this.up, this.down); // cycles per upsampled sample
    this.taps = Math.ceil((span * Math.max(this.up, this.down)) / this.up);
    const len = this.taps * this.up;
    const mid = (len - 1) / 2;
    const i0b = besselI0(beta);
    const h = new Float64Array(len);
    for (let i = 0; i < len; i++) {
      const x = i - mid;
      const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
      const r = (2 * i) / (len - 1) - 1;
      h[i] = sinc * (besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b);
    }
    // Each branch is scaled by `up` so that the passband gain is 1 after zero-stuffing.
    this.phases = [];
    for (let p = 0; p < this.up; p++) {
      const branch = new Float32Array(this.taps);
      for (let j = 0; j < this.taps; j++) branch[j] = (h[p + j * this.up] as number) * this.up;
      this.phases.push(branch);
    }
    this.history = new Float32Array(this.taps - 1);
  }

  /** Resamples one chunk; the output length varies by at most one sample between calls. */
  process(input: Int16Array): Int16Array {
    if (this.up === 1 && this.down === 1) return input.slice();
    const hist = this.taps - 1;
    const work = new Float32Array(hist + input.length);
    work.set(this.history, 0);
    for (let i = 0; i < input.length; i++) work[hist + i] = input[i] as number;
    const limit = input.length * this.up;
    const maxOut = Math.ceil((limit - this.t) / this.down) + 1;
    const out = new Int16Array(Math.max(0, maxOut));
    let n = 0;
    let t = this.t;
    const up = this.up;
    const taps = this.taps;
    while (t < limit) {
      const i = Math.floor(t / up);
      const branch = this.phases[t - i * up] as Float32Array;
      let acc = 0;
      const base = hist + i;
      for (let j = 0; j < taps; j++) acc += (branch[j] as number) * (work[base - j] as number);
      out[n++] = acc > 32767 ? 32767 : acc < -32768 ? -32768 : Math.round(acc);
      t += this.down;
    }
    this.t = t - limit;
    this.history = work.slice(work.length - hist);
    return n === out.length ? out : out.slice(0, n);
  }

  /** Group delay of the filter, in output samples (to align resampled audio with its source). */
  get delaySamples(): number {
    return (this.taps * this.up - 1) / 2 / this.down;
  }
}

/** One-shot resampling of a whole signal (no state kept). */
export function resample(input: Int16Array, inRate: number, outRate: number, opts?: ResamplerOptions): Int16Array {
  return new Resampler(inRate, outRate, opts).process(input);
}
