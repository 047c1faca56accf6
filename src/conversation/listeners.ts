/** A tiny typed listener set (no EventEmitter: no string event names, no leak warnings). */
export class Listeners<E> {
  readonly #set = new Set<(e: E) => void>();

  /** Adds a listener; returns the unsubscribe function. */
  on(listener: (e: E) => void): () => void {
    this.#set.add(listener);
    return () => this.#set.delete(listener);
  }

  /** Delivers one event to every listener. */
  emit(e: E): void {
    for (const l of [...this.#set]) l(e);
  }

  /** Drops every listener. */
  clear(): void {
    this.#set.clear();
  }
}
