import { encodeWav } from "../media/wav.js";
import type { AsrEvent, AsrProvider, AsrTurn, AsrWord } from "./asr-provider.js";
import { Listeners } from "./listeners.js";

export interface OpenAiAsrOptions {
  /** Server root, e.g. `https://api.openai.com` or a self-hosted Whisper server. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Default `whisper-1`. */
  readonly model?: string;
  readonly language?: string;
  /** Per-request limit (default 10 000 ms); one retry follows a failure. */
  readonly timeoutMs?: number;
  /** Longest audio kept for one turn (default 30 000 ms): older audio is dropped. */
  readonly maxTurnMs?: number;
}

interface VerboseJson {
  readonly text?: unknown;
  readonly words?: unknown;
}

function wordsOf(v: unknown, offsetMs: number): AsrWord[] {
  if (!Array.isArray(v)) return [];
  const out: AsrWord[] = [];
  for (const w of v as unknown[]) {
    if (typeof w !== "object" || w === null) continue;
    const r = w as Record<string, unknown>;
    if (typeof r["word"] === "string" && typeof r["start"] === "number" && typeof r["end"] === "number") {
      out.push({ word: r["word"], startMs: Math.round(offsetMs + r["start"] * 1000), endMs: Math.round(offsetMs + r["end"] * 1000) });
    }
  }
  return out;
}

/**
 * An OpenAI-compatible transcription provider: the audio of each turn is sent as one WAV to
 * `POST {base}/v1/audio/transcriptions` (multipart, `response_format=verbose_json` with word
 * timestamps). Not streaming, so the whole request time shows up as ASR latency.
 */
export class OpenAiAsr implements AsrProvider {
  readonly name = "openai-transcriptions";
  readonly #o: OpenAiAsrOptions;
  readonly #listeners = new Listeners<AsrEvent>();
  #chunks: Int16Array[] = [];
  #samples = 0;
  #rate = 8000;
  /** Caller-audio time (ms) of the first sample held. */
  #bufStartMs = 0;
  #closed = false;
  readonly #inflight = new Set<AbortController>();

  constructor(opts: OpenAiAsrOptions) {
    this.#o = opts;
  }

  on(listener: (e: AsrEvent) => void): () => void {
    return this.#listeners.on(listener);
  }

  async start(): Promise<void> {}

  push(pcm: Int16Array, sampleRate: number): void {
    if (this.#closed) return;
    if (sampleRate !== this.#rate && this.#samples > 0) this.#drop(this.#samples);
    this.#rate = sampleRate;
    this.#chunks.push(pcm);
    this.#samples += pcm.length;
    const max = ((this.#o.maxTurnMs ?? 30_000) * sampleRate) / 1000;
    while (this.#samples - (this.#chunks[0]?.length ?? 0) >= max) this.#drop((this.#chunks[0] as Int16Array).length);
  }

  #drop(n: number): void {
    while (n > 0 && this.#chunks.length > 0) {
      const c = this.#chunks.shift() as Int16Array;
      n -= c.length;
      this.#samples -= c.length;
      this.#bufStartMs += (c.length * 1000) / this.#rate;
    }
  }

  async flush(): Promise<AsrTurn> {
    const pcm = new Int16Array(this.#samples);
    let o = 0;
    for (const c of this.#chunks) {
      pcm.set(c, o);
      o += c.length;
    }
    const offsetMs = this.#bufStartMs;
    this.#drop(this.#samples);
    if (pcm.length === 0 || this.#closed) return { text: "", words: [] };
    const wav = encodeWav(pcm, this.#rate);
    let lastError = "";
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        return await this.#request(wav, offsetMs);
      } catch (err) {
        lastError = (err as Error).message;
        if (this.#closed) return { text: "", words: [] };
        this.#listeners.emit({ type: "error", message: `transcription try ${attempt} failed: ${lastError}`, fatal: attempt === 2 });
      }
    }
    return { text: "", words: [] };
  }

  async #request(wav: Buffer, offsetMs: number): Promise<AsrTurn> {
    const form = new FormData();
    form.append("file", new Blob([wav], { type: "audio/wav" }), "turn.wav");
    form.append("model", this.#o.model ?? "whisper-1");
    form.append("response_format", "verbose_json");
    form.append("timestamp_granularities[]", "word");
    if (this.#o.language) form.append("language", this.#o.language);
    const ac = new AbortController();
    this.#inflight.add(ac);
    const timer = setTimeout(() => ac.abort(new Error(`no answer in ${this.#o.timeoutMs ?? 10_000} ms`)), this.#o.timeoutMs ?? 10_000);
    try {
      const res = await fetch(`${this.#o.baseUrl.replace(/\/+$/, "")}/v1/audio/transcriptions`, {
        method: "POST",
        body: form,
        headers: this.#o.apiKey ? { authorization: `Bearer ${this.#o.apiKey}` } : {},
        signal: ac.signal,
      });
      const body = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${body.slice(0, 200)}`);
      let json: VerboseJson;
      try {
        json = JSON.parse(body) as VerboseJson;
      } catch {
        throw new Error(`the answer is not JSON: ${body.slice(0, 100)}`);
      }
      if (typeof json.text !== "string") throw new Error("the answer has no text field");
      const turn = { text: json.text.trim(), words: wordsOf(json.words, offsetMs) };
      this.#listeners.emit({ type: "final", ...turn });
      return turn;
    } finally {
      clearTimeout(timer);
      this.#inflight.delete(ac);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const ac of this.#inflight) ac.abort(new Error("closed"));
    this.#chunks = [];
    this.#samples = 0;
    this.#listeners.clear();
  }
}
