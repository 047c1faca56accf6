import { spawnSync } from "node:child_process";
import type { AudioLeg, AudioLegEvent } from "../../src/core/audio-leg.js";
import { Resampler } from "../../src/media/resample.js";
import { readWav } from "../../src/media/wav.js";

const FRAME_MS = 20;

/** espeak-ng speech at 8 kHz (the telephone rate), synthesised once per text. */
export function speech8k(text: string, voice = "en-us", wpm = 150): Int16Array {
  const r = spawnSync("espeak-ng", ["--stdout", "-v", voice, "-s", String(wpm), text], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`espeak-ng failed: ${r.stderr?.toString()}`);
  const w = readWav(r.stdout);
  if (!w.ok) throw new Error(w.error);
  return new Resampler(w.wav.sampleRate, 8000).process(w.wav.samples);
}

/** True when the tools the interop tests need are installed. */
export function haveTools(...tools: string[]): boolean {
  return tools.every((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status === 0);
}

/**
 * A transport stand-in: it sends 20 ms caller frames in real time from the moment it starts (silence
 * unless something is playing, as RTP would), plays agent audio out on a simulated clock and
 * records everything the agent sends.
 */
export class FakeLeg implements AudioLeg {
  readonly kind = "sip" as const;
  readonly inputRate = 8000;
  readonly outputRate = 8000;
  /** Agent audio in the order it was handed over, with the wall time (performance.now) of each chunk. */
  readonly sent: { pcm: Int16Array; at: number }[] = [];
  readonly dtmfSent: string[] = [];
  readonly clientEvents: Readonly<Record<string, unknown>>[] = [];
  clears = 0;
  /** performance.now() at which the caller frame after the current playback's last sample was sent. */
  playbackEndedAt: number | undefined;
  /** performance.now() at which the current playback's first frame was sent. */
  playbackStartedAt: number | undefined;
  readonly #listeners = new Set<(e: AudioLegEvent) => void>();
  #timer: NodeJS.Timeout | undefined;
  #t0 = 0;
  #framesSent = 0;
  #playing: Int16Array | undefined;
  #playPos = 0;
  #playDone: (() => void) | undefined;
  #queuedUntil = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #waiters = new Set<() => void>();

  on(listener: (e: AudioLegEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: AudioLegEvent): void {
    for (const l of [...this.#listeners]) l(e);
    for (const w of [...this.#waiters]) w();
  }

  /** Starts the caller's frame clock. */
  start(): void {
    this.#t0 = performance.now();
    this.#timer = setInterval(() => this.#tick(), 5);
  }

  #tick(): void {
    const due = Math.floor((performance.now() - this.#t0) / FRAME_MS);
    while (this.#framesSent < due) {
      const frame = new Int16Array((this.inputRate * FRAME_MS) / 1000);
      if (this.#playing) {
        if (this.#playPos === 0) this.playbackStartedAt = performance.now();
        const part = this.#playing.subarray(this.#playPos, this.#playPos + frame.length);
        frame.set(part);
        this.#playPos += frame.length;
        if (this.#playPos >= this.#playing.length) {
          this.#playing = undefined;
          this.playbackEndedAt = performance.now();
          const d = this.#playDone;
          this.#playDone = undefined;
          queueMicrotask(() => d?.());
        }
      }
      this.#framesSent += 1;
      this.#emit({ type: "audio", pcm: frame, sampleRate: this.inputRate, at: Date.now() });
    }
  }

  /** Plays caller audio (8 kHz); resolves when its last frame has been sent. */
  play(pcm: Int16Array): Promise<void> {
    this.#playing = pcm;
    this.#playPos = 0;
    this.playbackEndedAt = undefined;
    this.playbackStartedAt = undefined;
    return new Promise((resolve) => (this.#playDone = resolve));
  }

  /** The caller presses a key. */
  dtmf(digit: string): void {
    this.#emit({ type: "dtmf", digit, at: Date.now() });
  }

  sendAudio(pcm: Int16Array): void {
    const now = performance.now();
    this.sent.push({ pcm, at: now });
    this.#queuedUntil = Math.max(now, this.#queuedUntil) + (pcm.length * 1000) / this.outputRate;
    this.#armIdle();
    for (const w of [...this.#waiters]) w();
  }

  /** playout_idle once the queue has drained. A timer may fire a fraction of a ms early (libuv counts whole ms from a cached loop time): it is armed again for what is left, so the event never comes while audio is still queued. */
  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.queuedMs > 0) this.#armIdle();
      else this.#emit({ type: "playout_idle", at: Date.now() });
    }, Math.ceil(this.queuedMs));
  }

  clearAudio(): void {
    this.clears += 1;
    this.#queuedUntil = performance.now();
    clearTimeout(this.#idleTimer);
    for (const w of [...this.#waiters]) w();
  }

  get queuedMs(): number {
    return Math.max(0, this.#queuedUntil - performance.now());
  }

  sendDtmf(digits: string): void {
    this.dtmfSent.push(digits);
    for (const w of [...this.#waiters]) w();
  }

  sendClientEvent(event: Readonly<Record<string, unknown>>): void {
    this.clientEvents.push(event);
  }

  /** All agent audio so far, concatenated. */
  agentAudio(): Int16Array {
    const n = this.sent.reduce((s, c) => s + c.pcm.length, 0);
    const out = new Int16Array(n);
    let o = 0;
    for (const c of this.sent) {
      out.set(c.pcm, o);
      o += c.pcm.length;
    }
    return out;
  }

  /** Waits until `pred` holds (checked on every leg event), failing after `timeoutMs`. */
  until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Stops the frame clock and playout timers. */
  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#idleTimer);
    this.#playDone?.();
    this.#playDone = undefined;
  }
}
