import { WavWriter } from "../media/index.js";

const RATE = 8000;
const SAMPLES_PER_MS = RATE / 1000;
/** Frames within this many samples of where the track ends are appended as they come (network jitter). */
const JITTER_SLACK = 160;
/** The files trail real time by this much, so a late frame still lands in its place. */
const FLUSH_LAG = RATE;

class Track {
  chunks: Int16Array[] = [];
  /** Sample index (from the recording's start) of the first buffered sample. */
  start = 0;
  /** Sample index just past the last buffered sample. */
  end = 0;

  place(pcm: Int16Array, index: number): void {
    if (index > this.end + JITTER_SLACK) {
      this.chunks.push(new Int16Array(index - this.end));
      this.end = index;
    }
    this.chunks.push(pcm);
    this.end += pcm.length;
  }

  /** Removes and returns samples [start, upto), zero-padded past `end`. */
  take(upto: number): Int16Array {
    const out = new Int16Array(Math.max(0, upto - this.start));
    let pos = 0;
    while (pos < out.length && this.chunks.length > 0) {
      const c = this.chunks[0]!;
      const n = Math.min(c.length, out.length - pos);
      out.set(c.subarray(0, n), pos);
      pos += n;
      if (n === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(n);
    }
    this.start = upto;
    if (this.end < upto) this.end = upto;
    return out;
  }
}

/**
 * A call's recording: the caller and the agent on one timeline, streamed to a two-channel WAV
 * (left user, right agent) and a mixed mono WAV, 8 kHz. Frames are placed by their wall-clock
 * time, so silence and gaps stay where they happened.
 */
export class CallRecorder {
  readonly #user = new Track();
  readonly #agent = new Track();
  #closed = false;

  private constructor(
    private readonly t0: number,
    private readonly stereo: WavWriter,
    private readonly mixed: WavWriter,
  ) {}

  /** Opens both files; `t0` is the wall-clock time of sample 0. */
  static async create(stereoPath: string, mixedPath: string, t0: number): Promise<CallRecorder> {
    const [stereo, mixed] = await Promise.all([WavWriter.create(stereoPath, RATE, 2), WavWriter.create(mixedPath, RATE, 1)]);
    return new CallRecorder(t0, stereo, mixed);
  }

  /** The caller's audio (8 kHz), received at `atMs`. */
  user(pcm: Int16Array, atMs: number): void {
    this.#put(this.#user, pcm, atMs);
  }

  /** The agent's audio (8 kHz), sent at `atMs`. */
  agent(pcm: Int16Array, atMs: number): void {
    this.#put(this.#agent, pcm, atMs);
  }

  #put(track: Track, pcm: Int16Array, atMs: number): void {
    if (this.#closed) return;
    const index = Math.max(track.start, Math.round((atMs - this.t0) * SAMPLES_PER_MS));
    track.place(pcm, index);
    const ready = Math.max(this.#user.end, this.#agent.end) - FLUSH_LAG;
    if (ready - this.#user.start >= RATE) this.#flush(ready);
  }

  #flush(upto: number): void {
    const u = this.#user.take(upto);
    const a = this.#agent.take(upto);
    this.stereo.writeStereo(u, a);
    const m = new Int16Array(u.length);
    for (let i = 0; i < m.length; i++) {
      const s = (u[i] ?? 0) + (a[i] ?? 0);
      m[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
    }
    this.mixed.write(m);
  }

  /** Writes what is buffered and closes both files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#flush(Math.max(this.#user.end, this.#agent.end));
    await Promise.all([this.stereo.close(), this.mixed.close()]);
  }
}
