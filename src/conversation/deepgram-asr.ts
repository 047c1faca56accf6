import { WebSocket, type RawData } from "ws";
import { joinFinals, signalOrTimeout, type AsrEvent, type AsrProvider, type AsrTurn, type AsrWord } from "./asr-provider.js";
import { Listeners } from "./listeners.js";

export interface DeepgramAsrOptions {
  /** Websocket root, e.g. `wss://api.deepgram.com` or a compatible self-hosted server. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly model?: string;
  readonly language?: string;
  /** How long a flush waits for the `from_finalize` result (default 1 500 ms). */
  readonly finalizeTimeoutMs?: number;
  readonly openTimeoutMs?: number;
}

interface DgWord {
  readonly word?: unknown;
  readonly punctuated_word?: unknown;
  readonly start?: unknown;
  readonly end?: unknown;
}

/** The fields of a `Results` message this provider reads; anything else is checked, not trusted. */
function parseResults(raw: string): { text: string; words: AsrWord[]; isFinal: boolean; fromFinalize: boolean } | { error: string } | null {
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    return { error: `not JSON: ${raw.slice(0, 80)}` };
  }
  if (typeof m !== "object" || m === null) return { error: "not a JSON object" };
  const r = m as Record<string, unknown>;
  if (r["type"] !== "Results") return null;
  const alt = ((r["channel"] as { alternatives?: unknown } | undefined)?.alternatives as unknown[] | undefined)?.[0] as
    | { transcript?: unknown; words?: unknown }
    | undefined;
  if (!alt || typeof alt.transcript !== "string") return { error: "Results without channel.alternatives[0].transcript" };
  const words: AsrWord[] = [];
  if (Array.isArray(alt.words)) {
    for (const w of alt.words as DgWord[]) {
      const word = typeof w.punctuated_word === "string" ? w.punctuated_word : w.word;
      if (typeof word === "string" && typeof w.start === "number" && typeof w.end === "number") {
        words.push({ word, startMs: Math.round(w.start * 1000), endMs: Math.round(w.end * 1000) });
      }
    }
  }
  return { text: alt.transcript, words, isFinal: r["is_final"] === true, fromFinalize: r["from_finalize"] === true };
}

/**
 * A Deepgram-style streaming recogniser: raw linear16 frames up a websocket
 * (`/v1/listen?encoding=linear16&sample_rate=…`), JSON `Results` down (`is_final` marks a settled
 * segment); a flush sends `{"type":"Finalize"}` and waits for the `from_finalize` result. The
 * connection is re-opened once if it drops; a second loss is fatal.
 */
export class DeepgramAsr implements AsrProvider {
  readonly name = "deepgram-stream";
  readonly #o: DeepgramAsrOptions;
  readonly #listeners = new Listeners<AsrEvent>();
  #ws: WebSocket | undefined;
  #rate = 0;
  #finals: AsrTurn[] = [];
  #onFinalize: (() => void) | undefined;
  #reopens = 0;
  #closed = false;
  #fatal = false;
  /** Audio pushed while the handshake runs, sent once it is open (bounded: 5 s at 8 kHz). */
  #early: Buffer[] = [];

  constructor(opts: DeepgramAsrOptions) {
    this.#o = opts;
  }

  on(listener: (e: AsrEvent) => void): () => void {
    return this.#listeners.on(listener);
  }

  /** Opening waits for the first audio: the sample rate is part of the URL. */
  async start(): Promise<void> {}

  #url(rate: number): string {
    const q = new URLSearchParams({ encoding: "linear16", sample_rate: String(rate), channels: "1", interim_results: "true", punctuate: "true" });
    if (this.#o.model) q.set("model", this.#o.model);
    if (this.#o.language) q.set("language", this.#o.language);
    return `${this.#o.baseUrl.replace(/\/+$/, "")}/v1/listen?${q.toString()}`;
  }

  #open(rate: number): void {
    const ws = new WebSocket(this.#url(rate), {
      handshakeTimeout: this.#o.openTimeoutMs ?? 5_000,
      ...(this.#o.apiKey ? { headers: { authorization: `Token ${this.#o.apiKey}` } } : {}),
    });
    this.#ws = ws;
    this.#rate = rate;
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      this.#onMessage(Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8"));
    });
    ws.on("open", () => {
      for (const b of this.#early.splice(0)) ws.send(b);
    });
    ws.on("error", () => {});
    ws.on("close", (code: number, reason: Buffer) => this.#onClose(ws, code, reason.toString()));
  }

  #onMessage(raw: string): void {
    const r = parseResults(raw);
    if (r === null) return;
    if ("error" in r) {
      this.#listeners.emit({ type: "error", message: `bad message from the server: ${r.error}`, fatal: false });
      return;
    }
    if (!r.isFinal) {
      if (r.text !== "") this.#listeners.emit({ type: "partial", text: r.text });
    } else {
      if (r.text !== "") {
        this.#finals.push({ text: r.text, words: r.words });
        this.#listeners.emit({ type: "final", text: r.text, words: r.words });
      }
    }
    if (r.fromFinalize) this.#onFinalize?.();
  }

  #onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.#ws) return;
    this.#ws = undefined;
    this.#onFinalize?.();
    if (this.#closed) return;
    const what = `the recogniser's websocket closed (${code}${reason ? ` ${reason}` : ""})`;
    if (this.#reopens < 1) {
      this.#reopens += 1;
      this.#listeners.emit({ type: "error", message: `${what}; reconnecting`, fatal: false });
      this.#open(this.#rate);
      return;
    }
    this.#fatal = true;
    this.#listeners.emit({ type: "error", message: `${what} after a reconnect`, fatal: true });
  }

  push(pcm: Int16Array, sampleRate: number): void {
    if (this.#closed || this.#fatal) return;
    if (!this.#ws) this.#open(sampleRate);
    const ws = this.#ws;
    const bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    if (ws?.readyState === WebSocket.OPEN) ws.send(bytes);
    else if (ws?.readyState === WebSocket.CONNECTING && this.#early.length < 250) this.#early.push(Buffer.from(bytes));
  }

  #whenOpen(ws: WebSocket, timeoutMs: number): Promise<void> {
    if (ws.readyState !== WebSocket.CONNECTING) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        ws.off("open", done);
        ws.off("close", done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      ws.once("open", done);
      ws.once("close", done);
    });
  }

  async flush(): Promise<AsrTurn> {
    const ws = this.#ws;
    if (ws) await this.#whenOpen(ws, this.#o.finalizeTimeoutMs ?? 1_500);
    if (ws?.readyState === WebSocket.OPEN) {
      await signalOrTimeout(this.#o.finalizeTimeoutMs ?? 1_500, (done) => {
        this.#onFinalize = done;
        ws.send(JSON.stringify({ type: "Finalize" }));
      });
      this.#onFinalize = undefined;
    }
    const turn = joinFinals(this.#finals);
    this.#finals = [];
    return turn;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onFinalize?.();
    this.#listeners.clear();
    const ws = this.#ws;
    this.#ws = undefined;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "CloseStream" }));
    const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
    if (ws.readyState === WebSocket.CLOSED) return;
    ws.terminate();
    await closed;
  }
}
