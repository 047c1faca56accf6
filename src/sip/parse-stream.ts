// Framing SIP over a byte stream (TCP/TLS, RFC 3261 §18.3): messages are cut by Content-Length,
// which is therefore mandatory; CRLF keep-alives between messages (RFC 5626 §3.5.1) are skipped.
import { findHeadEnd, parseMessage, type ParseError, type ParseOptions } from "./parse.js";
import type { SipMessage } from "./message.js";

export type FrameEvent =
  | { type: "message"; message: SipMessage }
  /** The frame was cut cleanly but is not a valid message: answer 400 if `partial` allows, keep reading. */
  | { type: "invalid"; error: ParseError }
  /** A double-CRLF ping: answer with a single CRLF pong (RFC 5626 §4.4.1). */
  | { type: "ping" }
  /** The stream can no longer be framed (no or bad Content-Length, too large): close the connection. */
  | { type: "fatal"; error: ParseError };

export interface FramerOptions {
  /** Largest header section, bytes. Default 16,384. */
  maxHeadBytes?: number;
  /** Largest body, bytes. Default 65,535. */
  maxBodyBytes?: number;
  /** Options for parsing each cut frame (Content-Length is always required here). */
  parse?: ParseOptions;
}

const CL_NAMES = ["content-length", "l"];

/** Accepts stream chunks and yields whole SIP messages; never throws on bad bytes. */
export class SipStreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  // Chunks held while a frame of known size (`need` bytes) is still short, joined once it is complete.
  private chunks: Buffer[] = [];
  private held = 0;
  private need: number | undefined;
  private dead = false;
  private readonly maxHead: number;
  private readonly maxBody: number;
  private readonly parseOptions: ParseOptions;

  constructor(options: FramerOptions = {}) {
    this.maxHead = options.maxHeadBytes ?? 16384;
    this.maxBody = options.maxBodyBytes ?? 65535;
    this.parseOptions = {
      ...options.parse,
      requireContentLength: true,
      maxMessageBytes: this.maxHead + this.maxBody + 4,
    };
  }

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.buf.length + this.held;
  }

  /** Feeds one chunk; returns the events it completes, in order. After a `fatal` event nothing more is emitted. */
  push(chunk: Buffer): FrameEvent[] {
    if (this.dead) return [];
    if (this.need !== undefined && this.buf.length + this.held + chunk.length < this.need) {
      this.chunks.push(chunk);
      this.held += chunk.length;
      return [];
    }
    this.buf = this.buf.length === 0 && this.held === 0 ? chunk : Buffer.concat([this.buf, ...this.chunks, chunk]);
    this.chunks = [];
    this.held = 0;
    this.need = undefined;
    const out: FrameEvent[] = [];
    for (;;) {
      // Skip keep-alives: a CRLFCRLF is a ping, a lone CRLF a pong (or noise).
      let i = 0;
      while (i < this.buf.length && (this.buf[i] === 13 || this.buf[i] === 10)) {
        if (this.buf[i] === 13 && this.buf[i + 1] === 10 && this.buf[i + 2] === 13 && this.buf[i + 3] === 10) {
          out.push({ type: "ping" });
          i += 4;
        } else i++;
      }
      if (i > 0) this.buf = this.buf.subarray(i);
      if (this.buf.length === 0) break;

      const head = findHeadEnd(this.buf, 0);
      if (head < 0) {
        if (this.buf.length > this.maxHead) return this.kill(out, "too_large", `header section over ${this.maxHead} bytes`);
        break;
      }
      if (head > this.maxHead) return this.kill(out, "too_large", `header section over ${this.maxHead} bytes`);
      const bodyStart = head + (this.buf[head] === 13 ? 4 : 2);
      const cl = contentLengthOf(this.buf.toString("latin1", 0, head));
      if (cl === "missing") return this.kill(out, "bad_content_length", "Content-Length missing on a stream transport");
      if (cl === "bad") return this.kill(out, "bad_content_length", "unreadable Content-Length on a stream transport");
      if (cl > this.maxBody) return this.kill(out, "too_large", `body of ${cl} bytes over ${this.maxBody}`);
      const total = bodyStart + cl;
      if (this.buf.length < total) {
        this.need = total;
        break;
      }
      // Copy the frame out: the rest of the buffer must not pin it, nor it the rest.
      const frame = Buffer.from(this.buf.subarray(0, total));
      this.buf = this.buf.subarray(total);
      const r = parseMessage(frame, this.parseOptions);
      out.push(r.ok ? { type: "message", message: r.message } : { type: "invalid", error: r.error });
    }
    if (this.buf.length > 0 && this.buf.byteOffset > 0 && this.buf.length < 4096) this.buf = Buffer.from(this.buf);
    return out;
  }

  private kill(out: FrameEvent[], code: ParseError["code"], message: string): FrameEvent[] {
    this.dead = true;
    this.buf = Buffer.alloc(0);
    this.chunks = [];
    this.held = 0;
    out.push({ type: "fatal", error: { code, message } });
    return out;
  }
}

/** The Content-Length of a header section, read without a full parse (all values must agree). */
function contentLengthOf(head: string): number | "missing" | "bad" {
  let found: number | undefined;
  let pos = 0;
  while (pos < head.length) {
    let nl = head.indexOf("\n", pos);
    if (nl < 0) nl = head.length;
    const colon = head.indexOf(":", pos);
    if (colon > pos && colon < nl) {
      const name = head.slice(pos, colon).trim().toLowerCase();
      if (CL_NAMES.includes(name)) {
        const v = head.slice(colon + 1, nl).trim();
        if (!/^\d{1,9}$/.test(v)) return "bad";
        const n = Number(v);
        if (found !== undefined && found !== n) return "bad";
        found = n;
      }
    }
    pos = nl + 1;
  }
  return found ?? "missing";
}
