// Message → wire bytes, and response construction from a request (RFC 3261 §8.2.6).
import { randomHex } from "../core/ids.js";
import { Headers } from "./headers.js";
import type { SipMessage, SipRequest, SipResponse } from "./message.js";

/** Serializes a message: canonical header names, Content-Length always set to the body's length. */
export function serializeMessage(m: SipMessage): Buffer {
  let head = m.kind === "request" ? `${m.method} ${m.uri} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${m.reason}\r\n`;
  for (const [name, value] of m.headers.entries()) {
    if (name === "Content-Length") continue;
    head += `${name}: ${stripCrlf(value)}\r\n`;
  }
  head += `Content-Length: ${m.body.length}\r\n\r\n`;
  if (m.body.length === 0) return Buffer.from(head, "utf8");
  const headLen = Buffer.byteLength(head, "utf8");
  const out = Buffer.allocUnsafe(headLen + m.body.length);
  out.write(head, 0, "utf8");
  m.body.copy(out, headLen);
  return out;
}

export interface BuildResponseOptions {
  /** Add this To tag when the request's To has none (a new dialog or a final answer). */
  toTag?: string | true;
  /** Extra header lines appended after the copied ones, e.g. [["Contact", "<sip:…>"]]. */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

/** Builds a response to `req`: Via (all, in order), From, To, Call-ID, CSeq copied (RFC 3261 §8.2.6). */
export function buildResponse(req: SipRequest, status: number, reason: string, extra?: BuildResponseOptions): SipResponse {
  const h = new Headers();
  for (const v of req.headers.getLines("via")) h.append("Via", v);
  const from = req.headers.get("from");
  if (from !== undefined) h.append("From", from);
  const to = req.headers.get("to");
  if (to !== undefined) {
    const wantTag = extra?.toTag;
    if (wantTag !== undefined && req.headers.to()?.tag === undefined && status !== 100) {
      h.append("To", `${to};tag=${wantTag === true ? newTag() : wantTag}`);
    } else h.append("To", to);
  }
  const callId = req.headers.get("call-id");
  if (callId !== undefined) h.append("Call-ID", callId);
  const cseq = req.headers.get("cseq");
  if (cseq !== undefined) h.append("CSeq", cseq);
  // RFC 3261 §8.2.6.1: a 100 Trying copies Timestamp.
  const ts = req.headers.get("timestamp");
  if (status === 100 && ts !== undefined) h.append("Timestamp", ts);
  for (const [n, v] of extra?.headers ?? []) h.append(n, v);
  let body: Buffer = Buffer.alloc(0);
  if (extra?.body !== undefined) {
    body = typeof extra.body === "string" ? Buffer.from(extra.body, "utf8") : extra.body;
    if (extra.contentType !== undefined) h.set("Content-Type", extra.contentType);
  }
  return { kind: "response", status, reason, headers: h, body };
}

/** A random tag for From/To (RFC 3261 §19.3: at least 32 bits of randomness). */
export function newTag(): string {
  return randomHex(6);
}

/** A new branch with the RFC 3261 magic cookie. */
export function newBranch(): string {
  return `z9hG4bK${randomHex(9)}`;
}

/** Header values never carry raw line breaks on the wire: they would inject headers. */
function stripCrlf(v: string): string {
  return v.indexOf("\n") < 0 && v.indexOf("\r") < 0 ? v : v.replace(/[\r\n]+[ \t]*/g, " ");
}
