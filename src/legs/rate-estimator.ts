// retell-client-js-sdk 1.x never tells the server its sample rate (Retell knew it from
// register-call). When the client does not name one, the rate is measured from how fast samples
// arrive and snapped to the nearest rate an AudioContext is normally opened at.

export const COMMON_RATES = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000] as const;

/** Least-squares slope of samples over time, from arrival times; decides after `windowMs`. */
export class RateEstimator {
  readonly #windowMs: number;
  #t0 = -1;
  #n = 0;
  #sumT = 0;
  #sumS = 0;
  #sumTT = 0;
  #sumTS = 0;
  #samples = 0;

  constructor(windowMs = 1200) {
    this.#windowMs = windowMs;
  }

  /**
   * Adds a frame of `samples` that arrived at `atMs`; returns the snapped rate once enough time has
   * passed, else undefined.
   */
  add(samples: number, atMs: number): { rate: number; measured: number } | undefined {
    if (this.#t0 < 0) this.#t0 = atMs;
    const t = (atMs - this.#t0) / 1000;
    // Each point is (arrival time, samples before this frame): the first frame started the clock.
    this.#n++;
    this.#sumT += t;
    this.#sumS += this.#samples;
    this.#sumTT += t * t;
    this.#sumTS += t * this.#samples;
    this.#samples += samples;
    if (atMs - this.#t0 < this.#windowMs || this.#n < 10) return undefined;
    const den = this.#n * this.#sumTT - this.#sumT * this.#sumT;
    if (den <= 0) return undefined;
    const measured = (this.#n * this.#sumTS - this.#sumT * this.#sumS) / den;
    return { rate: snapRate(measured), measured: Math.round(measured) };
  }
}

/** The common rate nearest (in ratio) to a measured one. */
export function snapRate(measured: number): number {
  let best: number = COMMON_RATES[0];
  for (const r of COMMON_RATES) if (Math.abs(Math.log(r / measured)) < Math.abs(Math.log(best / measured))) best = r;
  return best;
}
