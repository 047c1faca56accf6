// Signal level helpers: RMS, dBFS, a windowed RMS envelope, and the correlation of two envelopes
// (how interop tests decide that a recording carries the audio that was sent).

/** Root-mean-square of PCM16 samples (0-32768). */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] as number;
    sum += v * v;
  }
  return Math.sqrt(sum / samples.length);
}

/** Level relative to full scale in dB (−Infinity for digital silence). */
export function dbfs(samples: Int16Array): number {
  const r = rms(samples);
  return r === 0 ? -Infinity : 20 * Math.log10(r / 32768);
}

/** RMS per consecutive window of `windowMs`. */
export function envelope(samples: Int16Array, sampleRate: number, windowMs = 20): Float64Array {
  const w = Math.max(1, Math.round((sampleRate * windowMs) / 1000));
  const n = Math.floor(samples.length / w);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = rms(samples.subarray(k * w, (k + 1) * w));
  return out;
}

/** Pearson correlation of two equal-length series (0 when either is constant). */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  if (n < 2) return 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/** Best envelope correlation of two signals over lags up to `maxLagMs` either way. */
export function envelopeCorrelation(
  a: Int16Array,
  b: Int16Array,
  sampleRate: number,
  opts: { windowMs?: number; maxLagMs?: number } = {},
): { correlation: number; lagMs: number } {
  const windowMs = opts.windowMs ?? 20;
  const ea = envelope(a, sampleRate, windowMs);
  const eb = envelope(b, sampleRate, windowMs);
  const maxLag = Math.round((opts.maxLagMs ?? 500) / windowMs);
  let best = { correlation: -1, lagMs: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const sa = lag >= 0 ? ea.subarray(lag) : ea;
    const sb = lag >= 0 ? eb : eb.subarray(-lag);
    const c = correlation(sa, sb);
    if (c > best.correlation) best = { correlation: c, lagMs: lag * windowMs };
  }
  return best;
}
