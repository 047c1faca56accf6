// The SIP message model shared by the parser, the serializer, transports, transactions and dialogs.
import { Headers } from "./headers.js";

export { Headers } from "./headers.js";

/** A SIP request: method, Request-URI (kept as text; parse it with `parseUri` when needed), headers, body. */
export interface SipRequest {
  kind: "request";
  method: string;
  uri: string;
  headers: Headers;
  body: Buffer;
}

/** A SIP response: status code, reason phrase, headers, body. */
export interface SipResponse {
  kind: "response";
  status: number;
  reason: string;
  headers: Headers;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

const EMPTY = Buffer.alloc(0);

/** Builds a request; `headers` may be a `Headers` or [name, value] pairs in wire order. */
export function createRequest(
  method: string,
  uri: string,
  headers: Headers | ReadonlyArray<readonly [string, string]> = [],
  body: Buffer | string = EMPTY,
): SipRequest {
  return { kind: "request", method, uri, headers: toHeaders(headers), body: toBody(body) };
}

/** Builds a response; `headers` may be a `Headers` or [name, value] pairs in wire order. */
export function createResponse(
  status: number,
  reason: string,
  headers: Headers | ReadonlyArray<readonly [string, string]> = [],
  body: Buffer | string = EMPTY,
): SipResponse {
  return { kind: "response", status, reason, headers: toHeaders(headers), body: toBody(body) };
}

/** True when the message is a request. */
export function isRequest(m: SipMessage): m is SipRequest {
  return m.kind === "request";
}

/** The method a message belongs to: the request method, or the CSeq method of a response. */
export function methodOf(m: SipMessage): string | undefined {
  return m.kind === "request" ? m.method : m.headers.cseq()?.method;
}

/** A short one-line summary for logs ("INVITE sip:bob@x" / "486 Busy Here (INVITE)"). */
export function describeMessage(m: SipMessage): string {
  return m.kind === "request" ? `${m.method} ${m.uri}` : `${m.status} ${m.reason} (${m.headers.cseq()?.method ?? "?"})`;
}

function toHeaders(h: Headers | ReadonlyArray<readonly [string, string]>): Headers {
  if (h instanceof Headers) return h;
  const out = new Headers();
  for (const [n, v] of h) out.append(n, v);
  return out;
}

function toBody(b: Buffer | string): Buffer {
  return typeof b === "string" ? Buffer.from(b, "utf8") : b;
}
