type Handler = (...args: unknown[]) => void;

/** A minimal typed event emitter (no dependency: the SDK ships as one small file). */
export class Emitter<Events extends Record<string, unknown[]>> {
  readonly #handlers = new Map<keyof Events, Set<Handler>>();

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof Events>(event: K, fn: (...args: Events[K]) => void): () => void {
    let set = this.#handlers.get(event);
    if (!set) this.#handlers.set(event, (set = new Set()));
    set.add(fn as unknown as Handler);
    return () => this.off(event, fn);
  }

  off<K extends keyof Events>(event: K, fn: (...args: Events[K]) => void): void {
    this.#handlers.get(event)?.delete(fn as unknown as Handler);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const fn of [...(this.#handlers.get(event) ?? [])]) {
      try {
        fn(...args);
      } catch (err) {
        // An app handler's bug must not break the call; surface it where developers look.
        console.error(`parley-web: "${String(event)}" handler threw`, err);
      }
    }
  }
}
