// RIFF/WAVE PCM16 files: a streaming writer (mono or interleaved multi-channel) whose header sizes
// are patched at close, and a reader that also accepts G.711 (format 6/7) and extensible headers.

import { FileSink } from "./file-sink.js";
import { g711Decode } from "./g711.js";

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_ALAW = 6;
const WAVE_FORMAT_MULAW = 7;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** A 44-byte canonical PCM16 header for `dataBytes` of samples. */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36, "ascii");
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}

/** Encodes interleaved PCM16 samples as a complete WAV file in memory. */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return Buffer.concat([wavHeader(sampleRate, channels, data.length), toLittleEndian(data)]);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function toLittleEndian(b: Buffer): Buffer {
  return LITTLE_ENDIAN ? b : Buffer.from(b).swap16();
}

/** Streams PCM16 to a WAV file; the RIFF and data sizes are written at `close()`. */
export class WavWriter {
  readonly sampleRate: number;
  readonly channels: number;
  private readonly sink: FileSink;
  private frames = 0;
  private closed = false;

  private constructor(sink: FileSink, sampleRate: number, channels: number) {
    this.sink = sink;
    this.sampleRate = sampleRate;
    this.channels = channels;
  }

  /**
   * Creates the file with a placeholder header. `bufferBytes` is how much is gathered per file write:
   * larger means fewer writes (each one a hop to libuv's thread pool), more memory per recording.
   */
  static async create(path: string, sampleRate: number, channels: 1 | 2 = 1, bufferBytes = 32 * 1024): Promise<WavWriter> {
    const sink = await FileSink.create(path, bufferBytes);
    sink.write(wavHeader(sampleRate, channels, 0));
    return new WavWriter(sink, sampleRate, channels);
  }

  /** Appends interleaved samples (length a multiple of the channel count). */
  write(interleaved: Int16Array): void {
    if (this.closed) throw new Error("WavWriter is closed");
    if (interleaved.length % this.channels !== 0) throw new RangeError("sample count is not a multiple of the channel count");
    this.sink.write(toLittleEndian(Buffer.from(interleaved.buffer, interleaved.byteOffset, interleaved.byteLength)));
    this.frames += interleaved.length / this.channels;
  }

  /** Appends two channels of equal length as one interleaved block (stereo files only). */
  writeStereo(left: Int16Array, right: Int16Array): void {
    if (this.channels !== 2) throw new Error("writeStereo needs a 2-channel WavWriter");
    if (this.closed) throw new Error("WavWriter is closed");
    const n = Math.max(left.length, right.length);
    // Interleaved straight into the file buffer: no intermediate buffer per block.
    const out = this.sink.claim(n * 4);
    if (LITTLE_ENDIAN && out.byteOffset % 2 === 0) {
      const view = new Int16Array(out.buffer, out.byteOffset, n * 2);
      for (let i = 0; i < n; i++) {
        view[2 * i] = left[i] ?? 0;
        view[2 * i + 1] = right[i] ?? 0;
      }
    } else {
      for (let i = 0; i < n; i++) {
        out.writeInt16LE(left[i] ?? 0, 4 * i);
        out.writeInt16LE(right[i] ?? 0, 4 * i + 2);
      }
    }
    this.frames += n;
  }

  /** Sample frames written so far. */
  get frameCount(): number {
    return this.frames;
  }

  /** Duration written so far in ms. */
  get durationMs(): number {
    return (this.frames * 1000) / this.sampleRate;
  }

  /** Flushes, patches the header and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sink.close({ data: wavHeader(this.sampleRate, this.channels, this.frames * this.channels * 2), position: 0 });
  }
}

/** A decoded WAV file: interleaved PCM16 samples. */
export interface WavData {
  sampleRate: number;
  channels: number;
  /** The stored encoding before conversion to PCM16. */
  encoding: "pcm16" | "alaw" | "mulaw";
  samples: Int16Array;
}

export type WavReadResult = { ok: true; wav: WavData } | { ok: false; error: string };

/** Parses a WAV file held in memory. */
export function readWav(buf: Buffer): WavReadResult {
  if (buf.length < 12 || buf.toString("ascii", 0, 4) !== "RIFF" || buf.toString("ascii", 8, 12) !== "WAVE") {
    return { ok: false, error: "not a RIFF/WAVE file" };
  }
  let o = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  while (o + 8 <= buf.length) {
    const id = buf.toString("ascii", o, o + 4);
    const size = buf.readUInt32LE(o + 4);
    const body = o + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > buf.length) return { ok: false, error: "fmt chunk too short" };
      let format = buf.readUInt16LE(body);
      if (format === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= buf.length) format = buf.readUInt16LE(body + 24);
      fmt = { format, channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === "data") {
      if (!fmt) return { ok: false, error: "data chunk before fmt chunk" };
      if (fmt.channels < 1) return { ok: false, error: "zero channels" };
      // A streaming writer that was never closed leaves size 0 or 0xffffffff: take what is there.
      const end = size === 0 || body + size > buf.length ? buf.length : body + size;
      const data = buf.subarray(body, end);
      if (fmt.format === WAVE_FORMAT_PCM && fmt.bits === 16) {
        const n = Math.floor(data.length / 2);
        const samples = new Int16Array(n);
        for (let i = 0; i < n; i++) samples[i] = data.readInt16LE(i * 2);
        return { ok: true, wav: { sampleRate: fmt.rate, channels: fmt.channels, encoding: "pcm16", samples } };
      }
      if ((fmt.format === WAVE_FORMAT_MULAW || fmt.format === WAVE_FORMAT_ALAW) && fmt.bits === 8) {
        const law = fmt.format === WAVE_FORMAT_MULAW ? "PCMU" : "PCMA";
        return {
          ok: true,
          wav: { sampleRate: fmt.rate, channels: fmt.channels, encoding: law === "PCMU" ? "mulaw" : "alaw", samples: g711Decode(law, data) },
        };
      }
      return { ok: false, error: `unsupported WAV format ${fmt.format} with ${fmt.bits} bits` };
    }
    o = body + size + (size & 1);
  }
  return { ok: false, error: "no data chunk" };
}

/** Splits interleaved samples into one array per channel. */
export function deinterleave(samples: Int16Array, channels: number): Int16Array[] {
  const n = Math.floor(samples.length / channels);
  const out = Array.from({ length: channels }, () => new Int16Array(n));
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) (out[c] as Int16Array)[i] = samples[i * channels + c] as number;
  return out;
}
