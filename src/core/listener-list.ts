/**
 * Listeners kept as an array that is replaced, not changed, when one is added or removed. An
 * event reaches the listeners present when it fired — as iterating a copy would — without a copy
 * per event: signalling and media emit far more often than anyone subscribes.
 */
export class ListenerList<E> {
  #list: ReadonlyArray<(e: E) => void> = [];

  /** Adds a listener (once, however often it is given); returns the unsubscribe function. */
  add(listener: (e: E) => void): () => void {
    if (!this.#list.includes(listener)) this.#list = [...this.#list, listener];
    return () => {
      this.#list = this.#list.filter((l) => l !== listener);
    };
  }

  /** The listeners now; later additions and removals do not change this array. */
  get current(): ReadonlyArray<(e: E) => void> {
    return this.#list;
  }

  /** Drops every listener. */
  clear(): void {
    this.#list = [];
  }
}
