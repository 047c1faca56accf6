import { ListenerList } from "../core/listener-list.js";

/** A tiny typed listener set (no EventEmitter: no string event names, no leak warnings). */
export class Listeners<E> {
  readonly #list = new ListenerList<E>();

  /** Adds a listener; returns the unsubscribe function. */
  on(listener: (e: E) => void): () => void {
    return this.#list.add(listener);
  }

  /** Delivers one event to every listener. */
  emit(e: E): void {
    for (const l of this.#list.current) l(e);
  }

  /** Drops every listener. */
  clear(): void {
    this.#list.clear();
  }
}
