import { spawn, spawnSync, type ChildProcessByStdio } from "node:child_process";
import { constants, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import type { Readable } from "node:stream";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rms } from "../media/energy.js";
import { Resampler } from "../media/resample.js";
import { joinFinals, signalOrTimeout, type AsrEvent, type AsrProvider, type AsrTurn, type AsrWord } from "./asr-provider.js";
import { Listeners } from "./listeners.js";

export interface PocketsphinxOptions {
  /** A JSGF grammar (text). Without one the general language model is used, which is weak. */
  readonly jsgf?: string;
  readonly binary?: string;
  /** Extra silence written at a flush to make the recogniser close the utterance (default 800 ms). */
  readonly flushSilenceMs?: number;
  /** How long a flush waits for a hypothesis once it has sent the silence (default 1500 ms). */
  readonly flushTimeoutMs?: number;
  /**
   * Amplitude of the white noise added to the upsampled audio (default 500, about -40 dBFS; 0 turns
   * it off). Upsampled 8 kHz audio leaves the model's 4–6.8 kHz filters empty and the decoder picks
   * nonsense; a noise floor there made grammar decoding work in 4 of 5 trials (src/conversation/README.md).
   */
  readonly noiseFloor?: number;
}

/** The en-us model is 16 kHz only (spec/tooling.md): everything is upsampled to this. */
const RATE = 16000;
/** Caller audio below this RMS is taken as silence when deciding whether a result is still due. */
const SPEECH_RMS = 300;
/** pocketsphinx prints a hypothesis and then, with `-time yes`, one line per word at once. */
const SETTLE_MS = 40;
const WORD_LINE = /^(\S+) (\d+\.\d+) (\d+\.\d+) (-?\d+(?:\.\d+)?(?:e-?\d+)?)$/;

function isFiller(w: string): boolean {
  return w.startsWith("<") || w.startsWith("[") || w.startsWith("++");
}

/**
 * The embedded recogniser: one long-lived `pocketsphinx_continuous -infile FIFO` per call fed
 * raw 16 kHz s16le. It is restarted once if it dies; a second death is fatal (→ `error_asr`).
 * pocketsphinx has its own endpointer, so a flush writes a burst of silence to close the utterance.
 */
export class PocketsphinxAsr implements AsrProvider {
  readonly name = "pocketsphinx";
  readonly #opts: PocketsphinxOptions;
  readonly #listeners = new Listeners<AsrEvent>();
  #child: ChildProcessByStdio<null, Readable, Readable> | undefined;
  #in: Socket | undefined;
  #spawns = 0;
  #dir: string | undefined;
  #restarts = 0;
  #closed = false;
  #resampler: Resampler | undefined;
  #resamplerRate = 0;
  /** Audio written to the process, in ms of its stream, and the silence Parley inserted, for word times. */
  #streamMs = 0;
  #inserted: { atMs: number; ms: number }[] = [];
  #line = "";
  #pending: { text: string; words: AsrWord[] } | undefined;
  #finals: AsrTurn[] = [];
  #loudSinceHyp = false;
  #settleTimer: NodeJS.Timeout | undefined;
  #onHyp: (() => void) | undefined;
  #seed = 7919;

  constructor(opts: PocketsphinxOptions = {}) {
    this.#opts = opts;
  }

  on(listener: (e: AsrEvent) => void): () => void {
    return this.#listeners.on(listener);
  }

  async start(): Promise<void> {
    if (this.#dir === undefined) {
      this.#dir = mkdtempSync(join(tmpdir(), "parley-psx-"));
      if (this.#opts.jsgf !== undefined) writeFileSync(join(this.#dir, "g.gram"), this.#opts.jsgf);
    }
    await this.#spawn();
  }

  /**
   * The audio goes through a FIFO: Node's stdio "pipes" are socketpairs, which pocketsphinx cannot
   * open as `/dev/stdin` (ENXIO). The FIFO is opened read-write and non-blocking so that opening
   * never waits for the reader and writes go through libuv's event loop, not its thread pool.
   */
  #spawn(): Promise<void> {
    const dir = this.#dir as string;
    const fifo = join(dir, `audio-${++this.#spawns}.raw`);
    const mk = spawnSync("mkfifo", [fifo]);
    if (mk.status !== 0) return Promise.reject(new Error(`mkfifo failed: ${mk.stderr?.toString().trim() ?? mk.error?.message}`));
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const input = new Socket({ fd, readable: false, writable: true });
    input.on("error", () => {});
    this.#in?.destroy();
    this.#in = input;
    const args = ["-infile", fifo, "-samprate", String(RATE), "-logfn", "/dev/null", "-time", "yes"];
    if (this.#opts.jsgf !== undefined) args.push("-jsgf", join(dir, "g.gram"));
    const child = spawn(this.#opts.binary ?? "pocketsphinx_continuous", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    this.#streamMs = 0;
    this.#inserted = [];
    this.#line = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (s: string) => this.#onData(s));
    child.stderr.resume();
    return new Promise((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", (err) => {
        if (this.#child === child) this.#child = undefined;
        input.destroy();
        reject(new Error(`could not run pocketsphinx_continuous: ${err.message}`));
      });
      child.once("exit", (code, sig) => this.#onExit(child, code, sig));
    });
  }

  #onExit(child: ChildProcessByStdio<null, Readable, Readable>, code: number | null, sig: NodeJS.Signals | null): void {
    if (this.#child !== child || this.#closed) return;
    this.#child = undefined;
    this.#in?.destroy();
    this.#in = undefined;
    const how = sig ? `signal ${sig}` : `code ${code}`;
    if (this.#restarts < 1) {
      this.#restarts += 1;
      this.#listeners.emit({ type: "error", message: `pocketsphinx exited (${how}); restarting it`, fatal: false });
      this.#spawn().catch((err: Error) => this.#listeners.emit({ type: "error", message: err.message, fatal: true }));
      return;
    }
    this.#listeners.emit({ type: "error", message: `pocketsphinx exited (${how}) after a restart; no recogniser left`, fatal: true });
    this.#onHyp?.();
  }

  /** The running process (tests kill it to check the restart). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  push(pcm: Int16Array, sampleRate: number): void {
    if (!this.#child || this.#closed) return;
    if (rms(pcm) > SPEECH_RMS) this.#loudSinceHyp = true;
    if (sampleRate !== this.#resamplerRate) {
      this.#resampler = sampleRate === RATE ? undefined : new Resampler(sampleRate, RATE);
      this.#resamplerRate = sampleRate;
    }
    this.#write(this.#resampler ? this.#resampler.process(pcm) : pcm.slice());
  }

  #write(pcm16k: Int16Array): void {
    const amp = this.#opts.noiseFloor ?? 500;
    if (amp > 0) {
      // A seeded generator: the same audio always gets the same noise, so results are repeatable.
      let seed = this.#seed;
      for (let i = 0; i < pcm16k.length; i++) {
        let r = 0;
        for (let k = 0; k < 3; k++) {
          seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
          r += seed / 4294967296 - 0.5;
        }
        pcm16k[i] = Math.max(-32768, Math.min(32767, Math.round((pcm16k[i] as number) + (r * amp * 2) / 3)));
      }
      this.#seed = seed;
    }
    this.#streamMs += (pcm16k.length * 1000) / RATE;
    this.#in?.write(Buffer.from(pcm16k.buffer, pcm16k.byteOffset, pcm16k.byteLength));
  }

  /** Maps a time in the process's stream to caller-audio time by removing inserted silence. */
  #callMs(streamSec: number): number {
    const ms = streamSec * 1000;
    let removed = 0;
    for (const s of this.#inserted) if (s.atMs < ms) removed += Math.min(s.ms, ms - s.atMs);
    return Math.round(ms - removed);
  }

  #onData(s: string): void {
    this.#line += s;
    let nl: number;
    while ((nl = this.#line.indexOf("\n")) >= 0) {
      const line = this.#line.slice(0, nl).trim();
      this.#line = this.#line.slice(nl + 1);
      if (line !== "") this.#onLine(line);
    }
  }

  #onLine(line: string): void {
    const m = WORD_LINE.exec(line);
    if (m && this.#pending) {
      const word = m[1] as string;
      if (!isFiller(word)) {
        this.#pending.words.push({ word: word.replace(/\(\d+\)$/, ""), startMs: this.#callMs(Number(m[2])), endMs: this.#callMs(Number(m[3])) });
      }
    } else {
      this.#emitPending();
      this.#pending = { text: line, words: [] };
      this.#loudSinceHyp = false;
    }
    clearTimeout(this.#settleTimer);
    this.#settleTimer = setTimeout(() => this.#emitPending(), SETTLE_MS);
  }

  #emitPending(): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    clearTimeout(this.#settleTimer);
    this.#finals.push(p);
    this.#listeners.emit({ type: "final", text: p.text, words: p.words });
    this.#onHyp?.();
  }

  async flush(): Promise<AsrTurn> {
    if (this.#child && this.#loudSinceHyp) {
      const silenceMs = this.#opts.flushSilenceMs ?? 800;
      this.#inserted.push({ atMs: this.#streamMs, ms: silenceMs });
      this.#write(new Int16Array((RATE * silenceMs) / 1000));
      await signalOrTimeout(this.#opts.flushTimeoutMs ?? 1500, (done) => {
        this.#onHyp = done;
      });
      this.#onHyp = undefined;
    }
    this.#emitPending();
    this.#loudSinceHyp = false;
    const turn = joinFinals(this.#finals);
    this.#finals = [];
    return turn;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#settleTimer);
    this.#onHyp?.();
    this.#listeners.clear();
    const child = this.#child;
    this.#child = undefined;
    this.#in?.destroy();
    this.#in = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
      child.kill("SIGKILL");
      await exited;
    }
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }
}
