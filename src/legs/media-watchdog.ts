import { callEnd, type CallEnd } from "../core/index.js";

/** What a watchdog reports when it fires. */
export interface Silence {
  readonly sawAudio: boolean;
  readonly silentMs: number;
}

/** The ending for a leg whose caller audio stopped (or never started); `message` says which leg and how long. */
export function noAudioEnd(silence: Silence, message: string): CallEnd {
  return callEnd("error_no_audio_received", {
    phase: "in_call",
    fault: "network",
    subReason: silence.sawAudio ? "media_timeout" : "no_first_audio",
    message,
  });
}

/** How long a leg may go without caller audio before it gives up. */
export interface MediaTimeouts {
  /** Before the first frame (default 30 000). */
  readonly initialMs: number;
  /** After the first frame (default 15 000). */
  readonly ongoingMs: number;
}

export const DEFAULT_MEDIA_TIMEOUTS: MediaTimeouts = { initialMs: 30_000, ongoingMs: 15_000 };

/**
 * Fires once when no audio has been fed for the timeout. One timer per leg, re-armed only when
 * it fires early, so feeding it 50 frames a second costs a field write.
 */
export class MediaWatchdog {
  readonly #t: MediaTimeouts;
  readonly #onTimeout: (info: Silence) => void;
  #last = 0;
  #sawAudio = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeouts: MediaTimeouts, onTimeout: (info: Silence) => void) {
    this.#t = timeouts;
    this.#onTimeout = onTimeout;
  }

  /** Starts the clock (at join / stream start). */
  start(now = Date.now()): void {
    this.#last = now;
    this.#arm(this.#t.initialMs);
  }

  /** Notes that audio arrived. */
  feed(now = Date.now()): void {
    this.#last = now;
    if (this.#sawAudio) return;
    this.#sawAudio = true;
    // The pending check was armed for the (longer) initial timeout: re-arm for the ongoing one.
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#arm(this.#t.ongoingMs);
    }
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#check(), Math.max(1, ms));
  }

  #check(): void {
    const limit = this.#sawAudio ? this.#t.ongoingMs : this.#t.initialMs;
    const silent = Date.now() - this.#last;
    if (silent >= limit) {
      this.#timer = undefined;
      this.#onTimeout({ sawAudio: this.#sawAudio, silentMs: silent });
      return;
    }
    this.#arm(limit - silent);
  }
}
