/** A single-consumer async queue: producers push, the consumer iterates until `end()` or `fail()`. */
export class ChunkQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #done = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  push(item: T): void {
    if (this.#done) return;
    this.#items.push(item);
    this.#notify();
  }

  /** No more items; iteration ends once the queue is drained. */
  end(): void {
    this.#done = true;
    this.#notify();
  }

  /** Ends iteration with this error once the queued items are drained. */
  fail(error: Error): void {
    if (this.#done) return;
    this.#error = error;
    this.#done = true;
    this.#notify();
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#done) {
        if (this.#error) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
