// Cuts a TCP/TLS byte stream into SIP messages by Content-Length (RFC 3261 §18.3).
import { findHeadEnd } from "./parse.js";

/** One cut: a whole message, or a fatal framing error after which the stream cannot be trusted. */
export type Frame = { readonly ok: true; readonly data: Buffer } | { readonly ok: false; readonly error: string; readonly data: Buffer };

const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(\d{1,9})[ \t]*$/im;

/** Accumulates chunks and yields complete messages; CRLF keep-alives between messages are skipped. */
export class StreamFramer {
  #buf: Buffer = Buffer.alloc(0);
  #failed = false;

  constructor(private readonly maxMessageBytes = 65_535) {}

  /** Adds a chunk; returns the messages it completed (and at most one fatal error, last). */
  push(chunk: Buffer): Frame[] {
    if (this.#failed) return [];
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: Frame[] = [];
    for (;;) {
      let start = 0;
      while (start < this.#buf.length && (this.#buf[start] === 13 || this.#buf[start] === 10)) start++;
      if (start > 0) this.#buf = this.#buf.subarray(start);
      if (this.#buf.length === 0) return out;
      const head = findHeadEnd(this.#buf, 0);
      if (head < 0) {
        if (this.#buf.length > this.maxMessageBytes) return this.#fail(out, `no end of headers within ${this.maxMessageBytes} bytes`);
        return out;
      }
      const bodyStart = head + (this.#buf[head] === 13 ? 4 : 2);
      const m = CONTENT_LENGTH.exec(this.#buf.toString("latin1", 0, head));
      if (m === null) return this.#fail(out, "Content-Length is required on a stream transport", bodyStart);
      const total = bodyStart + Number(m[1]);
      if (total > this.maxMessageBytes) return this.#fail(out, `message of ${total} bytes exceeds ${this.maxMessageBytes}`, bodyStart);
      if (this.#buf.length < total) return out;
      out.push({ ok: true, data: this.#buf.subarray(0, total) });
      this.#buf = this.#buf.subarray(total);
    }
  }

  #fail(out: Frame[], error: string, upTo = this.#buf.length): Frame[] {
    this.#failed = true;
    out.push({ ok: false, error, data: this.#buf.subarray(0, upTo) });
    this.#buf = Buffer.alloc(0);
    return out;
  }
}
