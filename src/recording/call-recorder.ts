import { WavWriter } from "../media/index.js";

const RATE = 8000;
const SAMPLES_PER_MS = RATE / 1000;
/** Frames within this many samples of where the track ends are appended as they come (network jitter). */
const JITTER_SLACK = 160;
/** The files trail real time by this much, so a late frame still lands in its place. */
const FLUSH_LAG = RATE;

/**
 * Samples written per flush. Calls that started together would otherwise all flush a whole second
 * in the same 20 ms tick, stalling every call's pacer at once; small flushes at a per-call phase
 * spread the same work over many ticks.
 */
const FLUSH_EVERY = RATE / 5;

/** Initial ring size: a little more than FLUSH_LAG + one flush (power of two, for masking). */
const RING_SAMPLES = 16384;

/**
 * One channel of the recording since the last flush, in a ring indexed by sample position on the
 * call's timeline: frames are copied in as they come, so nothing per frame is allocated or kept.
 */
class Track {
  private ring = new Int16Array(RING_SAMPLES);
  private mask = RING_SAMPLES - 1;
  /** Sample index (from the recording's start) of the first buffered sample. */
  start = 0;
  /** Sample index just past the last buffered sample. */
  end = 0;

  place(pcm: Int16Array, index: number): void {
    if (index > this.end + JITTER_SLACK) {
      // A gap: silence up to where this frame belongs (the ring holds older laps' samples there).
      this.fit(index);
      const at = this.end & this.mask;
      const n = index - this.end;
      const first = Math.min(n, this.ring.length - at);
      this.ring.fill(0, at, at + first);
      this.ring.fill(0, 0, n - first);
      this.end = index;
    }
    this.fit(this.end + pcm.length);
    this.write(this.end, pcm);
    this.end += pcm.length;
  }

  /** Removes samples [start, upto) into `into` (zero-padded past `end`); returns that part of it. */
  take(upto: number, into: Int16Array): Int16Array {
    const out = into.subarray(0, Math.max(0, upto - this.start));
    const have = Math.max(0, Math.min(this.end, upto) - this.start);
    this.read(this.start, out.subarray(0, have));
    out.fill(0, have);
    this.start = upto;
    if (this.end < upto) this.end = upto;
    return out;
  }

  private write(position: number, pcm: Int16Array): void {
    const at = position & this.mask;
    const first = Math.min(pcm.length, this.ring.length - at);
    this.ring.set(first === pcm.length ? pcm : pcm.subarray(0, first), at);
    if (first < pcm.length) this.ring.set(pcm.subarray(first), 0);
  }

  private read(position: number, out: Int16Array): void {
    const at = position & this.mask;
    const first = Math.min(out.length, this.ring.length - at);
    out.set(this.ring.subarray(at, at + first), 0);
    if (first < out.length) out.set(this.ring.subarray(0, out.length - first), first);
  }

  /** Grows the ring (keeping [start, end)) until positions up to `upto` fit. */
  private fit(upto: number): void {
    if (upto - this.start <= this.ring.length) return;
    let size = this.ring.length * 2;
    while (upto - this.start > size) size *= 2;
    const kept = new Int16Array(this.end - this.start);
    this.read(this.start, kept);
    this.ring = new Int16Array(size);
    this.mask = size - 1;
    this.write(this.start, kept);
  }
}

/**
 * Room for one flush of both tracks and their mix, shared by every recorder: a flush runs to the
 * end synchronously and the writers copy what they are given, so nothing outlives it. A second of
 * each call's audio would otherwise be three fresh typed arrays, each with its own backing store.
 */
let scratch = new Int16Array(0);

function flushScratch(samples: number): { user: Int16Array; agent: Int16Array; mix: Int16Array } {
  if (scratch.length < 3 * samples) scratch = new Int16Array(3 * samples);
  return { user: scratch.subarray(0, samples), agent: scratch.subarray(samples, 2 * samples), mix: scratch.subarray(2 * samples, 3 * samples) };
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
  /** This recording's flush threshold: FLUSH_EVERY, the first one shortened by a random phase. */
  #flushAfter = 1 + Math.floor(Math.random() * FLUSH_EVERY);

  private constructor(
    private readonly t0: number,
    private readonly stereo: WavWriter,
    private readonly mixed: WavWriter,
  ) {}

  /** Opens both files; `t0` is the wall-clock time of sample 0. */
  static async create(stereoPath: string, mixedPath: string, t0: number): Promise<CallRecorder> {
    // Each file gathers about two seconds per write: a second's flush (32 KB stereo) would otherwise be one write.
    const [stereo, mixed] = await Promise.all([WavWriter.create(stereoPath, RATE, 2, 64 * 1024), WavWriter.create(mixedPath, RATE, 1, 32 * 1024)]);
    return new CallRecorder(t0, stereo, mixed);
  }

  /** The caller's audio (8 kHz), received at `atMs`; copied, so the caller may reuse `pcm`. */
  user(pcm: Int16Array, atMs: number): void {
    this.#put(this.#user, pcm, atMs);
  }

  /** The agent's audio (8 kHz), sent at `atMs`; copied, so the caller may reuse `pcm`. */
  agent(pcm: Int16Array, atMs: number): void {
    this.#put(this.#agent, pcm, atMs);
  }

  #put(track: Track, pcm: Int16Array, atMs: number): void {
    if (this.#closed) return;
    const index = Math.max(track.start, Math.round((atMs - this.t0) * SAMPLES_PER_MS));
    track.place(pcm, index);
    const ready = Math.max(this.#user.end, this.#agent.end) - FLUSH_LAG;
    if (ready - this.#user.start >= this.#flushAfter) {
      this.#flushAfter = FLUSH_EVERY;
      this.#flush(ready);
    }
  }

  #flush(upto: number): void {
    const room = flushScratch(Math.max(0, upto - Math.min(this.#user.start, this.#agent.start)));
    const u = this.#user.take(upto, room.user);
    const a = this.#agent.take(upto, room.agent);
    this.stereo.writeStereo(u, a);
    const m = room.mix.subarray(0, u.length);
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
