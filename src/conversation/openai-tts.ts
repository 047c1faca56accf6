import { Resampler } from "../media/resample.js";
import { TtsError, type TtsProvider } from "./tts-provider.js";

export interface OpenAiTtsOptions {
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Default `tts-1`. */
  readonly model?: string;
  readonly voice: string;
  readonly speed?: number;
  /** Limit for the answer to start (default 10 000 ms). */
  readonly timeoutMs?: number;
}

/** `response_format: "pcm"` is raw 24 kHz signed 16-bit little-endian mono. */
const PCM_RATE = 24000;

/**
 * An OpenAI-compatible speech provider: `POST {base}/v1/audio/speech` with `response_format: pcm`,
 * the body streamed and resampled to the leg's rate as it arrives.
 */
export class OpenAiTts implements TtsProvider {
  readonly name = "openai-speech";
  readonly #o: OpenAiTtsOptions;

  constructor(opts: OpenAiTtsOptions) {
    this.#o = opts;
  }

  async *synthesize(text: string, outputRate: number, signal: AbortSignal): AsyncIterable<Int16Array> {
    if (signal.aborted || text.trim() === "") return;
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => ac.abort(), this.#o.timeoutMs ?? 10_000);
    try {
      let res: Response;
      try {
        res = await fetch(`${this.#o.baseUrl.replace(/\/+$/, "")}/v1/audio/speech`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(this.#o.apiKey ? { authorization: `Bearer ${this.#o.apiKey}` } : {}) },
          body: JSON.stringify({ model: this.#o.model ?? "tts-1", input: text, voice: this.#o.voice, response_format: "pcm", speed: this.#o.speed ?? 1 }),
          signal: ac.signal,
        });
      } catch (err) {
        if (signal.aborted) return;
        throw new TtsError(this.name, `request failed: ${(err as Error).message}`);
      }
      clearTimeout(timer);
      if (!res.ok || !res.body) throw new TtsError(this.name, `HTTP ${res.status}: ${(await res.text().catch(() => "")).slice(0, 200)}`);
      const resampler = outputRate === PCM_RATE ? null : new Resampler(PCM_RATE, outputRate);
      let odd: Uint8Array | undefined;
      try {
        for await (const part of res.body as AsyncIterable<Uint8Array>) {
          let bytes = part;
          if (odd) {
            bytes = new Uint8Array(odd.length + part.length);
            bytes.set(odd);
            bytes.set(part, odd.length);
            odd = undefined;
          }
          if (bytes.length & 1) {
            odd = bytes.slice(bytes.length - 1);
            bytes = bytes.subarray(0, bytes.length - 1);
          }
          if (bytes.length === 0) continue;
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          const pcm = new Int16Array(bytes.length / 2);
          for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(i * 2, true);
          const out = resampler ? resampler.process(pcm) : pcm;
          if (out.length > 0) yield out;
        }
      } catch (err) {
        if (signal.aborted) return;
        throw new TtsError(this.name, `stream broke: ${(err as Error).message}`);
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      ac.abort();
    }
  }
}
