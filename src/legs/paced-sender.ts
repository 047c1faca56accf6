import { sharedPacer, type Pacer, type PacerHandle } from "../media/index.js";

const FRAME_MS = 20;

/**
 * The agent-audio queue a leg plays out: 20 ms frames on the shared media clock, so `clearAudio`
 * (barge-in) drops what has not gone yet and the far end never holds more than a frame or two.
 */
export class PacedSender {
  readonly #rate: number;
  readonly #frameSamples: number;
  readonly #send: (frame: Int16Array) => void;
  readonly #onIdle: () => void;
  readonly #pacer: Pacer;
  #chunks: Int16Array[] = [];
  #offset = 0;
  #queued = 0;
  #handle: PacerHandle | undefined;
  #closed = false;
  /** Frames handed to `send` so far. */
  framesSent = 0;

  constructor(rate: number, send: (frame: Int16Array) => void, onIdle: () => void, pacer: Pacer = sharedPacer()) {
    this.#rate = rate;
    this.#frameSamples = Math.round((rate * FRAME_MS) / 1000);
    this.#send = send;
    this.#onIdle = onIdle;
    this.#pacer = pacer;
  }

  /** Milliseconds of audio still waiting. */
  get queuedMs(): number {
    return (this.#queued * 1000) / this.#rate;
  }

  /** Queues PCM16 at the sender's rate (kept by reference: callers must not reuse the array). */
  push(pcm: Int16Array): void {
    if (this.#closed || pcm.length === 0) return;
    this.#chunks.push(pcm);
    this.#queued += pcm.length;
    this.#handle ??= this.#pacer.add(FRAME_MS, () => this.#tick());
  }

  /** Drops everything queued; returns how many milliseconds were dropped. */
  clear(): number {
    const dropped = this.queuedMs;
    this.#chunks = [];
    this.#offset = 0;
    this.#queued = 0;
    this.#stopClock();
    return dropped;
  }

  /** Stops for good (the leg closed). */
  close(): void {
    this.clear();
    this.#closed = true;
  }

  #stopClock(): void {
    this.#handle?.stop();
    this.#handle = undefined;
  }

  #tick(): void {
    if (this.#queued === 0) {
      this.#stopClock();
      return;
    }
    const n = Math.min(this.#frameSamples, this.#queued);
    const frame = new Int16Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.#chunks[0] as Int16Array;
      const take = Math.min(n - filled, head.length - this.#offset);
      frame.set(head.subarray(this.#offset, this.#offset + take), filled);
      filled += take;
      this.#offset += take;
      if (this.#offset === head.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    this.#queued -= n;
    this.framesSent++;
    this.#send(frame);
    if (this.#queued === 0) {
      this.#stopClock();
      this.#onIdle();
    }
  }
}
