import type { AudioLegEvent } from "../core/audio-leg.js";

/** The listener list behind `AudioLeg.on`; a listener that throws cannot break the leg. */
export class LegEmitter {
  readonly #listeners = new Set<(e: AudioLegEvent) => void>();

  on(listener: (e: AudioLegEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(e: AudioLegEvent): void {
    for (const l of [...this.#listeners]) {
      try {
        l(e);
      } catch {
        // A consumer's bug must not stop the transport; the consumer logs its own errors.
      }
    }
  }
}
