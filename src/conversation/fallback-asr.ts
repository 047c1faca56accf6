import type { AsrEvent, AsrProvider, AsrTurn } from "./asr-provider.js";
import { Listeners } from "./listeners.js";

/**
 * A recogniser with a stand-by: both hear every frame; the primary's results are used until it
 * fails for good, then the fallback's. Only when both are gone is the failure fatal (→ error_asr).
 */
export class FallbackAsr implements AsrProvider {
  readonly name: string;
  readonly #primary: AsrProvider;
  readonly #fallback: AsrProvider;
  readonly #listeners = new Listeners<AsrEvent>();
  readonly #offs: (() => void)[] = [];
  #primaryDead = false;
  #fallbackDead = false;

  constructor(primary: AsrProvider, fallback: AsrProvider) {
    this.#primary = primary;
    this.#fallback = fallback;
    this.name = `${primary.name}+${fallback.name}`;
    this.#offs.push(primary.on((e) => this.#onEvent(e, true)));
    this.#offs.push(fallback.on((e) => this.#onEvent(e, false)));
  }

  /** True once the fallback's results are the ones used. */
  get fellBack(): boolean {
    return this.#primaryDead;
  }

  #onEvent(e: AsrEvent, primary: boolean): void {
    if (e.type !== "error") {
      if (primary !== this.#primaryDead) this.#listeners.emit(e);
      return;
    }
    const who = primary ? this.#primary.name : this.#fallback.name;
    if (e.fatal) {
      if (primary) this.#primaryDead = true;
      else this.#fallbackDead = true;
    }
    const fatal = this.#primaryDead && this.#fallbackDead;
    const note = e.fatal && !fatal ? (primary ? `; falling back to ${this.#fallback.name}` : "; the fallback is gone") : "";
    this.#listeners.emit({ type: "error", message: `${who}: ${e.message}${note}`, fatal });
  }

  on(listener: (e: AsrEvent) => void): () => void {
    return this.#listeners.on(listener);
  }

  async start(): Promise<void> {
    const [p, f] = await Promise.allSettled([this.#primary.start(), this.#fallback.start()]);
    if (p.status === "rejected") this.#onEvent({ type: "error", message: (p.reason as Error).message, fatal: true }, true);
    if (f.status === "rejected") this.#onEvent({ type: "error", message: (f.reason as Error).message, fatal: true }, false);
    if (this.#primaryDead && this.#fallbackDead) throw new Error(`neither ${this.#primary.name} nor ${this.#fallback.name} could start`);
  }

  push(pcm: Int16Array, sampleRate: number): void {
    if (!this.#primaryDead) this.#primary.push(pcm, sampleRate);
    if (!this.#fallbackDead) this.#fallback.push(pcm, sampleRate);
  }

  async flush(): Promise<AsrTurn> {
    const backup = this.#fallbackDead ? undefined : this.#fallback.flush();
    if (!this.#primaryDead) {
      const turn = await this.#primary.flush();
      if (!this.#primaryDead) return turn;
    }
    return backup ? await backup : { text: "", words: [] };
  }

  async close(): Promise<void> {
    for (const off of this.#offs.splice(0)) off();
    this.#listeners.clear();
    await Promise.allSettled([this.#primary.close(), this.#fallback.close()]);
  }
}
