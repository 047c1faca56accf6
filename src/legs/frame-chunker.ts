/** Re-cuts a stream of PCM chunks of any size into frames of exactly `frameSamples`. */
export class FrameChunker {
  readonly #size: number;
  #buf: Int16Array;
  #fill = 0;

  constructor(frameSamples: number) {
    this.#size = frameSamples;
    this.#buf = new Int16Array(frameSamples);
  }

  /** Adds samples; returns the frames completed by them (each a fresh array). */
  push(pcm: Int16Array): Int16Array[] {
    const out: Int16Array[] = [];
    let i = 0;
    while (i < pcm.length) {
      const take = Math.min(this.#size - this.#fill, pcm.length - i);
      this.#buf.set(pcm.subarray(i, i + take), this.#fill);
      this.#fill += take;
      i += take;
      if (this.#fill === this.#size) {
        out.push(this.#buf);
        this.#buf = new Int16Array(this.#size);
        this.#fill = 0;
      }
    }
    return out;
  }
}
