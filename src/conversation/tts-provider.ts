/**
 * A speech synthesiser (DESIGN.md "Providers"): text in, PCM16 chunks out at the rate asked for.
 * The first chunk should come as soon as the engine has any audio; aborting `signal` stops the
 * engine and ends the stream early without an error.
 */
export interface TtsProvider {
  readonly name: string;
  synthesize(text: string, outputRate: number, signal: AbortSignal): AsyncIterable<Int16Array>;
  /** Releases anything held between sentences (connections, warm processes). */
  close?(): Promise<void>;
}

/** A synthesis failure with the provider's own words. */
export class TtsError extends Error {
  constructor(
    readonly provider: string,
    message: string,
  ) {
    super(`${provider}: ${message}`);
    this.name = "TtsError";
  }
}
