import type { AudioLegEvent } from "../core/audio-leg.js";
import { ListenerList } from "../core/listener-list.js";

/** Events kept while held: 10 s of 20 ms frames, so a slow join cannot grow memory without bound. */
const MAX_HELD = 500;

/**
 * The listener list behind `AudioLeg.on`. While held (between a socket joining and the call
 * binding the leg) events are queued rather than lost, except `ended`, which always goes at once.
 */
export class LegEmitter {
  readonly #listeners = new ListenerList<AudioLegEvent>();
  #held: AudioLegEvent[] | undefined;

  constructor(held = false) {
    if (held) this.#held = [];
  }

  on(listener: (e: AudioLegEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Delivers what was held, then passes events straight through. */
  release(): void {
    const held = this.#held;
    this.#held = undefined;
    for (const e of held ?? []) this.emit(e);
  }

  emit(e: AudioLegEvent): void {
    if (this.#held && e.type !== "ended") {
      if (this.#held.length < MAX_HELD) this.#held.push(e);
      return;
    }
    for (const l of this.#listeners.current) {
      try {
        l(e);
      } catch {
        // A consumer's bug must not stop the transport; the consumer logs its own errors.
      }
    }
  }
}
