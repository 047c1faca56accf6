// RFC 3261 §7 message parser for one datagram (or one frame cut by SipStreamFramer). It never throws:
// bad input becomes a ParseError that carries whatever was readable, so a transport can still answer 400.
import { isAscii } from "node:buffer";
import { Headers, knownNameAt, nameInfo, type NameInfo } from "./headers.js";
import { isNameAddr, isToken, parseDigits, splitList, trim } from "./headers-typed.js";
import type { SipMessage, SipRequest, SipResponse } from "./message.js";

export type ParseErrorCode =
  | "empty"
  | "too_large"
  | "line_too_long"
  | "too_many_headers"
  | "incomplete"
  | "bad_start_line"
  | "bad_version"
  | "bad_header"
  | "missing_header"
  | "cseq_mismatch"
  | "bad_content_length";

/** What could be read from a message that failed to parse, enough to answer it with 400/505. */
export interface PartialMessage {
  kind?: "request" | "response";
  method?: string;
  uri?: string;
  status?: number;
  callId?: string;
  /** Raw top Via value. */
  via?: string;
  from?: string;
  to?: string;
  cseq?: string;
  /** Every header line read before the error. */
  headers?: Headers;
}

export interface ParseError {
  code: ParseErrorCode;
  message: string;
  partial?: PartialMessage;
}

export type ParseResult = { ok: true; message: SipMessage } | { ok: false; error: ParseError };

export interface ParseOptions {
  /** Whole message, bytes. Default 65,535 (the largest UDP payload). */
  maxMessageBytes?: number;
  /** Header lines (after unfolding). Default 256. */
  maxHeaders?: number;
  /** One physical line, bytes. Default 8,192. */
  maxLineBytes?: number;
  /** Reject requests without Max-Forwards (RFC 3261 says MUST, real UAs forget it). Default false. */
  requireMaxForwards?: boolean;
  /** Stream framing (TCP/TLS): Content-Length is mandatory. Default false. */
  requireContentLength?: boolean;
}

export const DEFAULT_PARSE_OPTIONS: Readonly<Required<ParseOptions>> = {
  maxMessageBytes: 65535,
  maxHeaders: 256,
  maxLineBytes: 8192,
  requireMaxForwards: false,
  requireContentLength: false,
};

/** Parses one complete SIP message; never throws. */
export function parseMessage(buf: Buffer, options?: ParseOptions): ParseResult {
  const o = options === undefined ? DEFAULT_PARSE_OPTIONS : { ...DEFAULT_PARSE_OPTIONS, ...options };
  if (buf.length > o.maxMessageBytes) {
    return fail("too_large", `message of ${buf.length} bytes exceeds ${o.maxMessageBytes}`);
  }
  // RFC 3261 §7.5: CRLFs before the start-line are ignored.
  let start = 0;
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  if (start >= buf.length) return fail("empty", "no message (only CRLF keep-alive or nothing)");

  if (isAscii(buf)) {
    // Nearly every message is ASCII, which latin1 decodes byte for byte: one string serves to find the
    // head's end (string searches, no Buffer calls) and to read the head, and its indices are byte offsets.
    const all = buf.toString("latin1", start);
    const head = headEnd(all, 0);
    const bodyStart = head < 0 ? buf.length : start + head + (all.charCodeAt(head) === 13 ? 4 : 2);
    return parseHead(all, head < 0 ? all.length : head, buf, bodyStart, head >= 0, o);
  }
  const head = findHeadEnd(buf, start);
  const bodyStart = head < 0 ? buf.length : head + (buf[head] === 13 ? 4 : 2);
  const text = buf.toString("utf8", start, head < 0 ? buf.length : head);
  return parseHead(text, text.length, buf, bodyStart, head >= 0, o);
}

/** Index of the blank line ending the header section (CRLFCRLF, or LFLF from lenient peers), or -1. */
export function findHeadEnd(buf: Buffer, from: number): number {
  return headEnd(buf, from);
}

/** A Buffer or a string: both search alike. */
interface Haystack {
  indexOf(needle: string, from: number): number;
}

function headEnd(h: Haystack, from: number): number {
  // The start line tells which line ending the peer uses.
  const nl = h.indexOf("\n", from);
  if (nl > from && h.indexOf("\r\n", nl - 1) === nl - 1) {
    const crlf = h.indexOf("\r\n\r\n", from);
    return crlf >= 0 ? crlf : h.indexOf("\n\n", from);
  }
  const lf = h.indexOf("\n\n", from);
  return lf >= 0 ? lf : h.indexOf("\r\n\r\n", from);
}

/** Parses the head text[0, len); text may go on past it (the terminator, the body). */
function parseHead(
  text: string,
  len: number,
  buf: Buffer,
  bodyStart: number,
  terminated: boolean,
  o: Required<ParseOptions>,
): ParseResult {
  let pos = 0;

  // ---- start line ----
  const nl = lineFeed(text, pos, len);
  const lineEnd = nl < 0 ? len : nl;
  // The start line is read in place in `text`: a flat string is faster to index than a slice of it.
  const startEnd = lineEnd > 0 && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
  pos = nl < 0 ? len : nl + 1;
  if (startEnd > o.maxLineBytes) return fail("line_too_long", "start line too long");

  let req: SipRequest | undefined;
  let res: SipResponse | undefined;
  const headers = new Headers();
  if (text.startsWith("SIP/")) {
    const startLine = text.slice(0, startEnd);
    const r = parseStatusLine(startLine, headers);
    if (typeof r === "string") return fail(r === "bad_version" ? "bad_version" : "bad_start_line", `bad status line: ${clip(startLine)}`);
    res = r;
  } else {
    const r = parseRequestLine(text, startEnd, headers);
    if (typeof r === "string") {
      const startLine = text.slice(0, startEnd);
      const e: ParseError = { code: r, message: `bad request line: ${clip(startLine)}` };
      const partial: PartialMessage = {};
      const sp = startLine.indexOf(" ");
      if (r === "bad_version" && sp > 0) partial.method = startLine.slice(0, sp);
      partial.kind = "request";
      // Read on so a 505 can still copy Via/From/To/Call-ID/CSeq.
      readHeaderLines(text, pos, len, headers, o);
      e.partial = fillPartial(partial, headers);
      return { ok: false, error: e };
    }
    req = r;
  }
  const started: SipMessage = req ?? res!;

  // ---- headers ----
  const seen = newSeen();
  const hr = readHeaderLines(text, pos, len, headers, o, seen);
  if (hr !== undefined) return failWith(hr.code, hr.message, started, headers);
  // A datagram may end right after its last header line without the empty line; a stream frame may not.
  if (!terminated && (o.requireContentLength || text.charCodeAt(len - 1) !== 10)) {
    return failWith("incomplete", "no empty line after the headers", started, headers);
  }

  // ---- mandatory headers ----
  const { callId, cseq: cseqRaw } = seen;
  if (callId === undefined || callId.length === 0) return failWith("missing_header", "Call-ID missing", started, headers);
  if (cseqRaw === undefined) return failWith("missing_header", "CSeq missing", started, headers);
  if (seen.from === undefined) return failWith("missing_header", "From missing", started, headers);
  if (seen.to === undefined) return failWith("missing_header", "To missing", started, headers);
  if (seen.vias === 0) return failWith("missing_header", "Via missing", started, headers);
  if (req !== undefined && o.requireMaxForwards && seen.maxForwards === 0) {
    return failWith("missing_header", "Max-Forwards missing", started, headers);
  }
  if (seen.repeated !== undefined) return failWith("bad_header", `${seen.repeated} repeated`, started, headers);
  // Through the accessor, so its cache is filled: every layer above reads CSeq.
  const cseq = headers.cseq();
  if (cseq === undefined) return failWith("bad_header", `bad CSeq: ${clip(cseqRaw)}`, started, headers);
  if (req !== undefined && cseq.method !== req.method) {
    return failWith("cseq_mismatch", `CSeq method ${cseq.method} differs from ${req.method}`, started, headers);
  }
  // Parsing through the accessors fills their caches: the layers above read these next anyway.
  // Only the top Via is checked here; the ones below matter to proxies, which read vias().
  if (headers.via() === undefined) return failWith("bad_header", `bad Via: ${clip(headers.get("via") ?? "")}`, started, headers);
  // RFC 3261 §20.17: Date is always GMT (RFC 4475 §3.1.2.12 "baddate").
  if (seen.date !== undefined && !seen.date.endsWith(" GMT")) {
    return failWith("bad_header", `bad Date: ${clip(seen.date)}`, started, headers);
  }
  // The dialog layer reads these on every message; a malformed one is a 400, not a later surprise.
  // Grammar only: the structured views stay lazy.
  if (!isNameAddr(seen.from)) return failWith("bad_header", `bad From: ${clip(seen.from)}`, started, headers);
  if (!isNameAddr(seen.to)) return failWith("bad_header", `bad To: ${clip(seen.to)}`, started, headers);
  if (seen.contacts !== undefined) {
    const c = badContact(seen.contacts);
    if (c !== undefined) return failWith("bad_header", `bad Contact: ${clip(c)}`, started, headers);
  }

  // ---- body framing ----
  const clLines = seen.contentLength;
  const available = buf.length - bodyStart;
  let bodyLen = available;
  if (clLines !== undefined) {
    const cl = parseContentLength(clLines[0]!);
    if (cl === undefined) return failWith("bad_content_length", `bad Content-Length: ${clip(clLines[0]!)}`, started, headers);
    for (let i = 1; i < clLines.length; i++) {
      if (parseContentLength(clLines[i]!) !== cl) {
        return failWith("bad_content_length", "conflicting Content-Length values", started, headers);
      }
    }
    // RFC 3261 §18.3: a datagram shorter than its Content-Length is discarded; extra bytes are dropped.
    if (cl > available) {
      return failWith("bad_content_length", `Content-Length ${cl} exceeds the ${available} body bytes`, started, headers);
    }
    bodyLen = cl;
  } else if (o.requireContentLength) {
    return failWith("bad_content_length", "Content-Length missing on a stream transport", started, headers);
  }
  // Most requests carry no body; one shared empty Buffer saves creating a view per message.
  const body = bodyLen === 0 ? EMPTY : buf.subarray(bodyStart, bodyStart + bodyLen);
  if (req !== undefined) {
    req.body = body;
    return { ok: true, message: req };
  }
  res!.body = body;
  return { ok: true, message: res! };
}

/** Reads header lines from `pos`, unfolding continuations, into `headers`; returns an error or undefined. */
/** What the header pass noticed on the way, so validation needs no second scan. */
interface Seen {
  callId?: string;
  cseq?: string;
  from?: string;
  to?: string;
  date?: string;
  contentLength?: string[];
  vias: number;
  /** Every Contact line, as written. */
  contacts?: string[];
  maxForwards: number;
  /** A single-valued header that appeared twice (RFC 4475 §3.3.8). */
  repeated?: string;
}

function newSeen(): Seen {
  return { vias: 0, maxForwards: 0 };
}

/** Records a tracked header; `slot` is NameInfo.slot (1 + index in TRACKED_HEADERS). */
function note(seen: Seen, slot: number, value: string): void {
  switch (slot) {
    case 0: return;
    case 1: seen.vias++; return;
    case 2: if (seen.callId !== undefined) seen.repeated = "Call-ID"; else seen.callId = value; return;
    case 3: if (seen.cseq !== undefined) seen.repeated = "CSeq"; else seen.cseq = value; return;
    case 4: if (seen.from !== undefined) seen.repeated = "From"; else seen.from = value; return;
    case 5: if (seen.to !== undefined) seen.repeated = "To"; else seen.to = value; return;
    case 6: (seen.contacts ??= []).push(value); return;
    case 7: if (++seen.maxForwards > 1) seen.repeated = "Max-Forwards"; return;
    case 8: seen.date = value; return;
    case 9: (seen.contentLength ??= []).push(value); return;
  }
}

function readHeaderLines(
  text: string,
  pos: number,
  len: number,
  headers: Headers,
  o: Required<ParseOptions>,
  seen: Seen = newSeen(),
): { code: ParseErrorCode; message: string } | undefined {
  let info: NameInfo | undefined;
  let value = "";
  // Next CR at or after pos, searched again only once passed (an LF-only message has none: one scan).
  let nextCr = text.indexOf("\r", pos);
  let count = 0;
  while (pos < len) {
    const nl = lineFeed(text, pos, len);
    const end = nl < 0 ? len : nl;
    const lineEnd = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (lineEnd - pos > o.maxLineBytes) return { code: "line_too_long", message: "header line too long" };
    // A CR anywhere but before the LF is not a line end and not valid text (it would split the header on resend).
    if (nextCr >= 0 && nextCr < pos) nextCr = text.indexOf("\r", pos);
    if (nextCr >= 0 && nextCr < lineEnd) return { code: "bad_header", message: "bare CR inside a header line" };
    const first = text.charCodeAt(pos);
    if (first === 32 || first === 9) {
      // RFC 3261 §7.3.1: a line starting with whitespace continues the previous header.
      if (info === undefined) return { code: "bad_header", message: "continuation line before any header" };
      const cont = trimRange(text, pos, lineEnd);
      if (cont.length) value = value.length ? `${value} ${cont}` : cont;
      if (value.length > o.maxLineBytes) return { code: "line_too_long", message: "folded header too long" };
    } else if (lineEnd > pos) {
      if (info !== undefined) {
        headers.addResolved(info, value);
        note(seen, info.slot, value);
        if (++count > o.maxHeaders) return { code: "too_many_headers", message: `more than ${o.maxHeaders} headers` };
      }
      const colon = text.indexOf(":", pos);
      if (colon < 0 || colon >= lineEnd) {
        return { code: "bad_header", message: `header line without colon: ${clip(text.slice(pos, lineEnd))}` };
      }
      let nameEnd = colon;
      while (nameEnd > pos && (text.charCodeAt(nameEnd - 1) === 32 || text.charCodeAt(nameEnd - 1) === 9)) nameEnd--;
      info = knownNameAt(text, pos, nameEnd);
      if (info === undefined) {
        if (!isToken(text, pos, nameEnd)) {
          return { code: "bad_header", message: `bad header name: ${clip(text.slice(pos, nameEnd))}` };
        }
        info = nameInfo(text.slice(pos, nameEnd));
      }
      value = trimRange(text, colon + 1, lineEnd);
    }
    pos = nl < 0 ? len : nl + 1;
  }
  if (info !== undefined) {
    headers.addResolved(info, value);
    note(seen, info.slot, value);
    if (++count > o.maxHeaders) return { code: "too_many_headers", message: `more than ${o.maxHeaders} headers` };
  }
  return undefined;
}

/** The request line text[0, end). */
function parseRequestLine(text: string, end: number, headers: Headers): SipRequest | "bad_start_line" | "bad_version" {
  const sp1 = text.indexOf(" ");
  // "… SIP/2.0" is the rule: recognising it saves a slow lastIndexOf.
  const sp2 = end >= 8 && text.charCodeAt(end - 8) === 32 && text.startsWith("SIP/2.0", end - 7) ? end - 8 : text.lastIndexOf(" ", end - 1);
  if (sp1 <= 0 || sp1 >= end || sp2 <= sp1 + 1 || sp2 === end - 1) return "bad_start_line";
  const method = text.slice(0, sp1);
  if (!isToken(method)) return "bad_start_line";
  // The Request-URI has no whitespace (RFC 4475 §3.1.2.7/§3.1.2.8): a space inside means a bad line.
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 127) return "bad_start_line";
  }
  const uri = text.slice(sp1 + 1, sp2);
  const colon = uri.indexOf(":");
  if (colon <= 0 || !isScheme(uri, colon)) return "bad_start_line";
  // A SIP Request-URI carries no ?headers (RFC 3261 §19.1.1 table 1; RFC 4475 §3.1.2.11 "escruri").
  // (lastIndexOf is slow: it runs only when there is a "?" at all.)
  if (uri.indexOf("?") >= 0 && uri.indexOf("?", uri.lastIndexOf("@") + 1) >= 0 && /^sips?$/i.test(uri.slice(0, colon))) {
    return "bad_start_line";
  }
  if (end - sp2 - 1 !== 7 || !text.startsWith("SIP/2.0", sp2 + 1)) {
    const version = text.slice(sp2 + 1, end);
    return version.length > 4 && version.slice(0, 4).toUpperCase() === "SIP/" ? "bad_version" : "bad_start_line";
  }
  return { kind: "request", method, uri, headers, body: EMPTY };
}

function parseStatusLine(line: string, headers: Headers): SipResponse | "bad_start_line" | "bad_version" {
  const sp1 = line.indexOf(" ");
  if (sp1 < 0) return "bad_start_line";
  if (line.slice(0, sp1) !== "SIP/2.0") return "bad_version";
  const code = line.slice(sp1 + 1, sp1 + 4);
  if (code.length !== 3) return "bad_start_line";
  let status = 0;
  for (let i = 0; i < 3; i++) {
    const c = code.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return "bad_start_line";
    status = status * 10 + c;
  }
  if (status < 100 || status > 699) return "bad_start_line";
  const after = line.charCodeAt(sp1 + 4);
  if (!Number.isNaN(after) && after !== 32) return "bad_start_line";
  const reason = line.slice(sp1 + 5);
  return { kind: "response", status, reason, headers, body: EMPTY };
}

/** A Content-Length value: digits only, at most 9 of them. */
function parseContentLength(s: string): number | undefined {
  return parseDigits(trim(s), 9);
}

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
function isScheme(s: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i) | 0x20;
    const alpha = c >= 97 && c <= 122;
    if (i === 0 ? !alpha : !(alpha || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return false;
  }
  return true;
}

/** Index of the next LF in text[pos, len), else -1. */
function lineFeed(text: string, pos: number, len: number): number {
  const nl = text.indexOf("\n", pos);
  return nl < len ? nl : -1;
}

function trimRange(s: string, from: number, to: number): string {
  while (from < to) {
    const c = s.charCodeAt(from);
    if (c !== 32 && c !== 9) break;
    from++;
  }
  while (to > from) {
    const c = s.charCodeAt(to - 1);
    if (c !== 32 && c !== 9 && c !== 13) break;
    to--;
  }
  return s.slice(from, to);
}

/** The first Contact value (lines split as `Headers.getAll` splits them) that is not a name-addr, else undefined. */
function badContact(lines: string[]): string | undefined {
  for (const line of lines) {
    // One value per line is the rule: splitting only when there is a comma saves an array per line.
    if (line.indexOf(",") < 0) {
      const t = trim(line);
      if (t.length > 0 && !isNameAddr(t)) return t;
      continue;
    }
    for (const c of splitList(line)) if (!isNameAddr(c)) return c;
  }
  return undefined;
}

function fillPartial(p: PartialMessage, h: Headers): PartialMessage {
  p.headers = h;
  const callId = h.get("call-id");
  if (callId !== undefined) p.callId = callId;
  const via = h.get("via");
  if (via !== undefined) p.via = via;
  const from = h.get("from");
  if (from !== undefined) p.from = from;
  const to = h.get("to");
  if (to !== undefined) p.to = to;
  const cseq = h.get("cseq");
  if (cseq !== undefined) p.cseq = cseq;
  return p;
}

function fail(code: ParseErrorCode, message: string): ParseResult {
  return { ok: false, error: { code, message } };
}

// The partial message is built from what was parsed only when there is an error to report.
function failWith(code: ParseErrorCode, message: string, m: SipMessage, h: Headers): ParseResult {
  const partial: PartialMessage =
    m.kind === "request" ? { kind: "request", method: m.method, uri: m.uri } : { kind: "response", status: m.status };
  return { ok: false, error: { code, message, partial: fillPartial(partial, h) } };
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const EMPTY = Buffer.alloc(0);
