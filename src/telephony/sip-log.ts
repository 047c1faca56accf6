import type { SipEventData } from "../core/call-event.js";
import type { SipMessage } from "../sip/message.js";
import type { SipTrace } from "../sip/stack.js";

/** Digest responses prove knowledge of a password; the log keeps the header but not the proof. */
const AUTH_LINE = /^((?:Proxy-)?Authorization:.*?\bresponse=")([0-9a-f]+)(")/gim;

const AUTHORIZATION = Buffer.from("authorization");

/** Whether `raw` holds "authorization" in any letter case (where credentials could be). */
function mentionsAuthorization(raw: Buffer): boolean {
  const last = raw.length - AUTHORIZATION.length;
  outer: for (let i = 0; i <= last; i++) {
    // ASCII letters only differ in bit 0x20: or-ing it folds the case.
    for (let j = 0; j < AUTHORIZATION.length; j++) if ((raw[i + j]! | 0x20) !== AUTHORIZATION[j]) continue outer;
    return true;
  }
  return false;
}

/** Masks the secret parts of a raw SIP message before it is stored. */
export function maskSecrets(raw: string): string {
  return raw.replace(AUTH_LINE, (_m, a: string, _secret: string, c: string) => `${a}[masked]${c}`);
}

/** The bytes of a SIP message as the log stores them: as sent or received, secrets masked. */
export function loggedBytes(raw: Buffer): Buffer {
  // Most messages carry no credentials: a byte scan spares them decoding and the line-by-line regex.
  return mentionsAuthorization(raw) ? Buffer.from(maskSecrets(raw.toString("utf8")), "utf8") : raw;
}

function summary(m: SipMessage): string {
  return m.kind === "request" ? `${m.method} ${m.uri}` : `${m.status} ${m.reason}`;
}

/**
 * The call-log data of one traced message and its bytes (stored apart, read back as `data.raw`),
 * or undefined for traces that are not messages.
 */
export function sipEventOf(t: SipTrace, publicHost?: string): { direction: "in" | "out"; data: Omit<SipEventData, "raw">; raw: Buffer } | undefined {
  if (t.type !== "message") return undefined;
  const m = t.message;
  // A wildcard listener says nothing useful in a ladder: show the address peers use.
  const localHost = publicHost && (t.local.address === "0.0.0.0" || t.local.address === "::") ? publicHost : t.local.address;
  const local = `${localHost}:${t.local.port}`;
  const peer = `${t.peer.address}:${t.peer.port}`;
  const cseq = m.headers.get("cseq");
  const callId = m.headers.callId();
  const data: Omit<SipEventData, "raw"> = {
    summary: summary(m),
    ...(m.kind === "request" ? { method: m.method } : { status: m.status, method: m.headers.cseq()?.method }),
    ...(callId ? { callId } : {}),
    ...(cseq ? { cseq } : {}),
    transport: t.peer.transport,
    from: t.direction === "out" ? local : peer,
    to: t.direction === "out" ? peer : local,
  };
  return { direction: t.direction, data, raw: loggedBytes(t.raw) };
}
