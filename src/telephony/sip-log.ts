import type { SipEventData } from "../core/call-event.js";
import type { SipMessage } from "../sip/message.js";
import type { SipTrace } from "../sip/stack.js";

/** Digest responses prove knowledge of a password; the log keeps the header but not the proof. */
const AUTH_LINE = /^((?:Proxy-)?Authorization:.*?\bresponse=")([0-9a-f]+)(")/gim;

const HAS_AUTH = /authorization/i;

/** Masks the secret parts of a raw SIP message before it is stored. */
export function maskSecrets(raw: string): string {
  // Most messages carry no credentials: a plain search spares them the line-by-line regex.
  if (!HAS_AUTH.test(raw)) return raw;
  return raw.replace(AUTH_LINE, (_m, a: string, _secret: string, c: string) => `${a}[masked]${c}`);
}

function summary(m: SipMessage): string {
  return m.kind === "request" ? `${m.method} ${m.uri}` : `${m.status} ${m.reason}`;
}

/** The call-log data of one traced message, or undefined for traces that are not messages. */
export function sipEventOf(t: SipTrace, publicHost?: string): { direction: "in" | "out"; data: SipEventData } | undefined {
  if (t.type !== "message") return undefined;
  const m = t.message;
  // A wildcard listener says nothing useful in a ladder: show the address peers use.
  const localHost = publicHost && (t.local.address === "0.0.0.0" || t.local.address === "::") ? publicHost : t.local.address;
  const local = `${localHost}:${t.local.port}`;
  const peer = `${t.peer.address}:${t.peer.port}`;
  const cseq = m.headers.get("cseq");
  const callId = m.headers.callId();
  const data: SipEventData = {
    summary: summary(m),
    ...(m.kind === "request" ? { method: m.method } : { status: m.status, method: m.headers.cseq()?.method }),
    ...(callId ? { callId } : {}),
    ...(cseq ? { cseq } : {}),
    transport: t.peer.transport,
    from: t.direction === "out" ? local : peer,
    to: t.direction === "out" ? peer : local,
    raw: maskSecrets(t.raw.toString("utf8")),
  };
  return { direction: t.direction, data };
}
