/** Settings of the turn detector, from the agent (Retell fields in brackets). */
export interface TurnSettings {
  /** [responsiveness] 0..1: 1 answers after ~500 ms of silence, 0 after ~1500 ms. */
  readonly responsiveness: number;
  /** [interruption_sensitivity] 0..1: 0 never lets the user interrupt, 1 after ~100 ms of speech. */
  readonly interruptionSensitivity: number;
}

/** What the detector decides, in caller-audio time (ms since the leg's first frame). */
export type TurnEvent =
  | { readonly type: "speech_start"; readonly atMs: number }
  /** The user spoke long enough to interrupt the agent (only reported once per speech run). */
  | { readonly type: "barge_in"; readonly atMs: number; readonly speechMs: number }
  /** The user's turn ended: `speechEndMs` is where the speech stopped, `atMs` where the wait ran out. */
  | { readonly type: "turn_end"; readonly atMs: number; readonly speechStartMs: number; readonly speechEndMs: number };

const START_PROB = 0.5;
const END_PROB = 0.35;
/** Speech must last this long to count (a click or a breath does not open a turn). */
const MIN_SPEECH_MS = 96;

/** Endpointing wait for a responsiveness value: 1 → 500 ms, 0 → 1500 ms. */
export function endpointingMs(responsiveness: number): number {
  const r = Math.min(1, Math.max(0, responsiveness));
  return Math.round(1500 - 1000 * r);
}

/** Speech needed before the agent yields: sensitivity 1 → 100 ms, 0.5 → 450 ms, 0 → never. */
export function bargeInMs(sensitivity: number): number {
  const s = Math.min(1, Math.max(0, sensitivity));
  return s === 0 ? Number.POSITIVE_INFINITY : Math.round(100 + 700 * (1 - s));
}

/**
 * Turns VAD probabilities into turns with hysteresis: speech starts above 0.5 held for 96 ms, and
 * the turn ends after the endpointing wait spent below 0.35. Pure: no timers, time is the audio's.
 */
export class TurnDetector {
  #settings: TurnSettings;
  #inSpeech = false;
  #candidateStart: number | undefined;
  #speechStart = 0;
  #lastSpeech = 0;
  #bargedIn = false;
  /** A turn is open from speech start until its end is reported. */
  #turnOpen = false;
  #turnStart = 0;

  constructor(settings: TurnSettings) {
    this.#settings = settings;
  }

  update(settings: Partial<TurnSettings>): void {
    this.#settings = { ...this.#settings, ...settings };
  }

  get settings(): TurnSettings {
    return this.#settings;
  }

  /** True while the user is speaking or the endpointing wait runs. */
  get turnOpen(): boolean {
    return this.#turnOpen;
  }

  /** Feeds the probability of the window that ends at `endMs` (lasting `windowMs`). */
  push(prob: number, endMs: number, windowMs: number): TurnEvent[] {
    const out: TurnEvent[] = [];
    const startMs = endMs - windowMs;
    if (prob >= START_PROB) {
      this.#candidateStart ??= startMs;
      this.#lastSpeech = endMs;
      if (!this.#inSpeech && endMs - this.#candidateStart >= MIN_SPEECH_MS) {
        this.#inSpeech = true;
        this.#bargedIn = false;
        this.#speechStart = this.#candidateStart;
        if (!this.#turnOpen) {
          this.#turnOpen = true;
          this.#turnStart = this.#candidateStart;
        }
        out.push({ type: "speech_start", atMs: this.#speechStart });
      }
      if (this.#inSpeech && !this.#bargedIn && endMs - this.#speechStart >= bargeInMs(this.#settings.interruptionSensitivity)) {
        this.#bargedIn = true;
        out.push({ type: "barge_in", atMs: endMs, speechMs: endMs - this.#speechStart });
      }
    } else if (this.#inSpeech && prob >= END_PROB) {
      this.#lastSpeech = endMs;
    } else {
      // Leave speech at once; the endpointing wait below decides when the turn ends.
      this.#inSpeech = false;
      this.#candidateStart = undefined;
    }
    if (this.#turnOpen && !this.#inSpeech && endMs - this.#lastSpeech >= endpointingMs(this.#settings.responsiveness)) {
      this.#turnOpen = false;
      out.push({ type: "turn_end", atMs: endMs, speechStartMs: this.#turnStart, speechEndMs: this.#lastSpeech });
    }
    return out;
  }
}
