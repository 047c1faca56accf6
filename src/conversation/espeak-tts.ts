import { spawn } from "node:child_process";
import { Resampler } from "../media/resample.js";
import { ChunkQueue } from "./chunk-queue.js";
import { TtsError, type TtsProvider } from "./tts-provider.js";

export interface EspeakOptions {
  /** espeak-ng voice name (voices.ts `engine_voice`), e.g. `en-us`, `en-gb+f3`. */
  readonly voice: string;
  /** Words per minute (espeak default 175). */
  readonly wordsPerMinute?: number;
  readonly binary?: string;
}

const HEADER_BYTES = 44;

/** Reads the sample rate from the canonical 44-byte header espeak-ng writes to stdout. */
function headerRate(h: Buffer): number | null {
  if (h.toString("ascii", 0, 4) !== "RIFF" || h.toString("ascii", 36, 40) !== "data") return null;
  return h.readUInt32LE(24);
}

/**
 * The embedded synthesiser: one `espeak-ng --stdout` process per sentence, its WAV streamed as it
 * comes (espeak writes a streaming header with an unknown length), resampled to the leg's rate.
 */
export class EspeakTts implements TtsProvider {
  readonly name = "espeak-ng";
  readonly #opts: EspeakOptions;

  constructor(opts: EspeakOptions) {
    this.#opts = opts;
  }

  synthesize(text: string, outputRate: number, signal: AbortSignal): AsyncIterable<Int16Array> {
    const q = new ChunkQueue<Int16Array>();
    if (signal.aborted || text.trim() === "") {
      q.end();
      return q;
    }
    const args = ["--stdout", "-v", this.#opts.voice, "-s", String(this.#opts.wordsPerMinute ?? 175), "--stdin"];
    const child = spawn(this.#opts.binary ?? "espeak-ng", args, { stdio: ["pipe", "pipe", "pipe"] });
    let header: Buffer = Buffer.alloc(0);
    let resampler: Resampler | null | undefined;
    let odd: Buffer | undefined;
    let stderr = "";
    const onAbort = (): void => {
      child.kill("SIGKILL");
      q.end();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (buf: Buffer) => {
      if (resampler === undefined) {
        header = Buffer.concat([header, buf]);
        if (header.length < HEADER_BYTES) return;
        const rate = headerRate(header);
        if (rate === null) {
          child.kill("SIGKILL");
          q.fail(new TtsError(this.name, "espeak-ng did not write a WAV header"));
          return;
        }
        resampler = rate === outputRate ? null : new Resampler(rate, outputRate);
        buf = header.subarray(HEADER_BYTES);
      }
      if (odd) {
        buf = Buffer.concat([odd, buf]);
        odd = undefined;
      }
      if (buf.length & 1) {
        odd = Buffer.from(buf.subarray(buf.length - 1));
        buf = buf.subarray(0, buf.length - 1);
      }
      if (buf.length === 0) return;
      const pcm = new Int16Array(buf.length / 2);
      for (let i = 0; i < pcm.length; i++) pcm[i] = buf.readInt16LE(i * 2);
      const out = resampler ? resampler.process(pcm) : pcm;
      if (out.length > 0) q.push(out);
    });
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", (err) => q.fail(new TtsError(this.name, `could not run espeak-ng: ${err.message}`)));
    child.on("close", (code) => {
      signal.removeEventListener("abort", onAbort);
      if (code === 0 || signal.aborted) q.end();
      else q.fail(new TtsError(this.name, `espeak-ng exited with ${code}: ${stderr.trim().slice(0, 200)}`));
    });
    child.stdin.on("error", () => {});
    child.stdin.end(text);
    return q;
  }
}
