/**
 * Classification of a failed outbound INVITE into one CallEnd, at the place the failure is seen
 * (DESIGN.md "classify at the source"), in the precedence order of spec/telephony.md §1.4:
 *   0. our own CANCEL (ring timer or stop-call) decides a 487;
 *   2. provider header overrides (X-Twilio-Error, "CPS limit exceeded" wording on a 5xx);
 *   3. spam signals (607, 608, 603+ / `v=analytics1`, block wording on a 403/603);
 *   4. a specific Q.850 cause in a Reason header;
 *   5. the SIP status code;
 *   6. transport / timer failures (classifyDialFailure);
 *   7. anything left is dial_failed with the raw evidence kept.
 * Rule 1 (local E.164 validation) happens before any INVITE and lives in admission.
 */
import { callEnd, type CallEnd, type SipResponseEvidence } from "../core/call-end.js";
import type { DisconnectionReason, Fault } from "../core/reasons.js";
import type { SipResponse } from "../sip/message.js";
import type { ClientOutcome, ProvisionalSummary } from "../sip/transaction.js";
import type { TransportFailure } from "../sip/transport-error.js";
import { isSpecificQ850, q850Cause, q850Outcome } from "./q850.js";

/** A provisional response seen on the INVITE transaction before it failed. */
export interface ProvisionalSeen {
  readonly code: number;
  /** Epoch ms when it arrived. */
  readonly at: number;
}

/** Why Parley itself sent CANCEL: its ring timer fired, or the stop-call API was called. */
export type CancelCause = "ring_timeout" | "api_stop";

/** What the dialer knows about the attempt besides the final response. */
export interface DialContext {
  /** Every 1xx received, in arrival order (100 Trying included). */
  readonly provisionals?: readonly ProvisionalSeen[];
  /** Set when Parley sent CANCEL on this INVITE. */
  readonly cancel?: { readonly cause: CancelCause; readonly at: number };
  /**
   * For a 401/407: `retried` when the challenge came back to our credentialed retry,
   * `missing` when the trunk has no credentials to answer with.
   */
  readonly auth?: "retried" | "missing";
  /** The ring timer's length, quoted in the message when it fired. */
  readonly ringTimeoutMs?: number;
}

/** The failing final response as received. */
export interface FinalResponse {
  readonly code: number;
  readonly phrase: string;
  /**
   * Raw header values by name (any letter case). A header that occurred several times is an
   * array in arrival order. Reason, Warning, Retry-After and every X- header are read from here.
   */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Epoch ms when it arrived; defaults to now. */
  readonly at?: number;
}

/** A failure of the INVITE that is not a final response from the far end. */
export type DialFailureEvent =
  | {
      /** The INVITE client transaction timed out (Timer B, 64·T1) without a final response. */
      readonly kind: "timer_b";
      readonly timeoutMs?: number;
      readonly at?: number;
    }
  | {
      /** The request could not be delivered at all; RFC 3261 §8.1.3.1 treats it as a 503. */
      readonly kind: "transport";
      readonly stage: "dns" | "tcp_connect" | "tls_handshake" | "icmp_unreachable" | "send";
      readonly target: string;
      readonly detail: string;
      readonly at?: number;
    }
  | {
      /** The far end answered (183/200) with SDP that has no codec or crypto in common with our offer. */
      readonly kind: "media_negotiation";
      readonly detail: string;
      /** The response that carried the unusable SDP, kept as evidence. */
      readonly response?: FinalResponse;
      readonly at?: number;
    }
  | {
      /** Parley failed while dialing (a bug or a resource error); the message keeps what is known. */
      readonly kind: "internal";
      readonly detail: string;
      readonly at?: number;
    };

/** One value of a Reason header (RFC 3326): `protocol ;cause=N ;text="…"`. */
export interface ReasonValue {
  /** As written, e.g. `Q.850`, `SIP`, `STIR`. */
  readonly protocol: string;
  readonly cause?: number;
  readonly text?: string;
  /** Every parameter, names lower-cased, quotes removed. */
  readonly params: Readonly<Record<string, string>>;
  readonly raw: string;
}

interface Outcome {
  readonly reason: DisconnectionReason;
  readonly subReason?: string;
  readonly fault?: Fault;
  /** Explains what the evidence means; appended to the description of the response. */
  readonly why: string;
}

/** Splits on a separator that is outside double quotes (quoted text may hold `,` and `;`). */
function splitUnquoted(value: string, sep: "," | ";"): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === "\\" && quoted && i + 1 < value.length) {
      current += ch + value[i + 1]!;
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      parts.push(current.trim());
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current.trim());
  return parts;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, "$1");
  return v;
}

/** Parses Reason header values; entries that are not `protocol;params` are skipped, never thrown on. */
export function parseReasonHeader(values: string | readonly string[]): ReasonValue[] {
  const list = typeof values === "string" ? [values] : values;
  const out: ReasonValue[] = [];
  for (const header of list) {
    for (const raw of splitUnquoted(header, ",").filter((p) => p.length > 0)) {
      const [protocol = "", ...rest] = splitUnquoted(raw, ";");
      if (!/^[A-Za-z0-9.!%*_+`'~-]+$/.test(protocol)) continue;
      const params: Record<string, string> = {};
      for (const p of rest) {
        if (p === "") continue;
        const eq = p.indexOf("=");
        const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
        if (name === "") continue;
        params[name] = eq < 0 ? "" : unquote(p.slice(eq + 1));
      }
      const causeText = params["cause"];
      const cause = causeText !== undefined && /^\d{1,5}$/.test(causeText) ? Number(causeText) : undefined;
      out.push({
        protocol,
        ...(cause !== undefined ? { cause } : {}),
        ...(params["text"] !== undefined ? { text: params["text"] } : {}),
        params,
        raw,
      });
    }
  }
  return out;
}

/** The raw values of a header, whatever the letter case of its name. */
function headerValues(headers: FinalResponse["headers"], name: string): string[] {
  if (!headers) return [];
  const want = name.toLowerCase();
  const out: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== want) continue;
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) out.push(...value.filter((v): v is string => typeof v === "string"));
  }
  return out;
}

/** Warning, Retry-After and every X- header, verbatim, for the record. */
function carrierHeadersOf(headers: FinalResponse["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const key of Object.keys(headers)) {
    const lower = key.toLowerCase();
    if (!lower.startsWith("x-") && lower !== "warning" && lower !== "retry-after") continue;
    const values = headerValues({ [key]: headers[key]! }, key);
    if (values.length > 0) out[key] = values.join(", ");
  }
  return out;
}

/** The evidence block kept on the record: code, phrase, Reason and carrier headers as received. */
export function sipEvidence(response: FinalResponse): SipResponseEvidence {
  const reason = headerValues(response.headers, "reason");
  const carrier = carrierHeadersOf(response.headers);
  return {
    code: response.code,
    phrase: response.phrase,
    ...(reason.length > 0 ? { reasonHeader: reason.join(", ") } : {}),
    ...(Object.keys(carrier).length > 0 ? { carrierHeaders: carrier } : {}),
  };
}

const RINGING_CODES: ReadonlySet<number> = new Set([180, 181, 182, 183]);

function sawRinging(ctx: DialContext): boolean {
  return (ctx.provisionals ?? []).some((p) => RINGING_CODES.has(p.code));
}

function sawProvisional(ctx: DialContext): boolean {
  return (ctx.provisionals ?? []).length > 0;
}

function provisionalSummary(ctx: DialContext): string {
  const codes = [...new Set((ctx.provisionals ?? []).map((p) => p.code))];
  return codes.length === 0 ? "no provisional response" : `after ${codes.join("/")}`;
}

function secondsText(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

// Twilio error codes that say the account or trunk may not place this call (§1.4 rule 2).
const TWILIO_PERMISSION: ReadonlyMap<number, { readonly subReason: string; readonly why: string }> = new Map([
  [10001, { subReason: "account_inactive", why: "the provider account is not active (suspended or closed)" }],
  [32200, { subReason: "forbidden", why: "the trunk has insufficient permissions for this call" }],
  [32204, { subReason: "caller_id_not_verified", why: "the From (caller ID) number is not verified with the provider" }],
  [21216, { subReason: "provider_blocked_destination", why: "the provider blocked calls to this destination (fraud or regulatory rule)" }],
  [21215, { subReason: "geo_permission", why: "the provider's geographic permissions do not allow calls to this country" }],
]);

const TWILIO_CARRIER_BLOCKED = 32203;

function twilioErrorCode(headers: FinalResponse["headers"]): { code: number; raw: string } | undefined {
  for (const raw of headerValues(headers, "x-twilio-error")) {
    const m = /^\s*(\d{4,6})\b/.exec(raw);
    if (m) return { code: Number(m[1]), raw: raw.trim() };
  }
  return undefined;
}

const RATE_LIMIT_TEXT = /cps limit exceeded|concurrent call limit exceeded|calls? per second|rate limit|too many (concurrent )?calls/i;
const BLOCK_TEXT = /spam|robo-?call|fraud|scam|(call|caller|number|network|carrier)[ -]?block/i;
const ANALYTICS_TEXT = /^\s*v=analytics1\s*;/i;

function providerOverride(r: FinalResponse, texts: readonly string[]): Outcome | undefined {
  const twilio = twilioErrorCode(r.headers);
  if (twilio) {
    if (twilio.code === TWILIO_CARRIER_BLOCKED) {
      return {
        reason: "marked_as_spam",
        subReason: "carrier_blocked",
        why: `the provider says the carrier blocked the call as fraud or spam (X-Twilio-Error: ${twilio.raw})`,
      };
    }
    const perm = TWILIO_PERMISSION.get(twilio.code);
    if (perm) {
      return {
        reason: "telephony_provider_permission_denied",
        subReason: perm.subReason,
        why: `${perm.why} (X-Twilio-Error: ${twilio.raw})`,
      };
    }
  }
  if (r.code >= 500 && r.code < 600) {
    const hit = texts.find((t) => RATE_LIMIT_TEXT.test(t));
    if (hit !== undefined) {
      return {
        reason: "telephony_provider_unavailable",
        subReason: "rate_limited",
        why: `the trunk refused the call because a call-rate or concurrency cap was hit ("${hit}")`,
      };
    }
  }
  return undefined;
}

function spamSignal(r: FinalResponse, reasons: readonly ReasonValue[], warnings: readonly string[]): Outcome | undefined {
  if (r.code === 607) {
    return { reason: "marked_as_spam", subReason: "unwanted_607", why: "the called party marked calls from this number as unwanted (RFC 8197)" };
  }
  if (r.code === 608) {
    return { reason: "marked_as_spam", subReason: "analytics_608", why: "a call-analytics service in the network rejected the call (RFC 8688)" };
  }
  const analytics = reasons.find((v) => v.text !== undefined && ANALYTICS_TEXT.test(v.text));
  const networkBlockedPhrase = /^\s*network blocked\s*$/i.test(r.phrase);
  const networkBlockedText = reasons.find((v) => v.text !== undefined && /network blocked/i.test(v.text));
  if (r.code === 603 && (networkBlockedPhrase || analytics || networkBlockedText)) {
    const evidence = analytics?.raw ?? networkBlockedText?.raw;
    return {
      reason: "marked_as_spam",
      subReason: "network_blocked_603plus",
      why: `the network blocked the call on call-analytics grounds (603+ / ATIS-1000099)${evidence ? `; Reason: ${evidence}` : ""}`,
    };
  }
  if (analytics) {
    return {
      reason: "marked_as_spam",
      subReason: "analytics_blocked",
      why: `the Reason header carries a call-analytics blocking notice (${analytics.raw})`,
    };
  }
  if (r.code === 403 || r.code === 603) {
    const texts = [r.phrase, ...reasons.map((v) => v.text ?? ""), ...warnings];
    const hit = texts.find((t) => BLOCK_TEXT.test(t));
    if (hit !== undefined) {
      return {
        reason: "marked_as_spam",
        subReason: "blocked_text",
        why: `the carrier's wording points to a spam or fraud block ("${hit}")`,
      };
    }
  }
  return undefined;
}

function q850Override(r: FinalResponse, reasons: readonly ReasonValue[], ctx: DialContext): Outcome | undefined {
  const q = reasons.find((v) => v.protocol.toUpperCase() === "Q.850" && v.cause !== undefined);
  if (!q || q.cause === undefined) return undefined;
  // Hardware sometimes carries a 16-bit cause value: only the low 7 bits are the Q.850 cause.
  const cause = q.cause & 0x7f;
  if (!isSpecificQ850(cause)) return undefined;
  const ringing = sawRinging(ctx);
  // §1.4 row: a 403 with cause 21 is the callee declining only once it was alerted; before any
  // 18x it is the trunk refusing, which the SIP table classifies.
  if (cause === 21 && r.code === 403 && !ringing) return undefined;
  const out = q850Outcome(cause, ringing);
  if (!out) return undefined;
  const name = q850Cause(cause)?.name ?? `cause ${cause}`;
  return {
    reason: out.reason,
    ...(out.subReason ? { subReason: out.subReason } : {}),
    why: `the Reason header's Q.850 cause ${cause} (${name}) decides over the SIP code (${provisionalSummary(ctx)})`,
  };
}

function authOutcome(code: number, ctx: DialContext): Outcome {
  const what = code === 407 ? "proxy authentication" : "authentication";
  if (ctx.auth === "missing") {
    return {
      reason: "telephony_provider_permission_denied",
      subReason: "auth_failed",
      why: `the trunk demands ${what} but no username/password is configured for it`,
    };
  }
  return {
    reason: "telephony_provider_permission_denied",
    subReason: "auth_failed",
    why: ctx.auth === "retried"
      ? `the trunk rejected our credentialed retry: wrong username or password for ${what}`
      : `the trunk demanded ${what} and the challenge was not answered`,
  };
}

function sipTable(r: FinalResponse, ctx: DialContext): Outcome {
  const code = r.code;
  const ringing = sawRinging(ctx);
  switch (code) {
    case 401:
    case 407:
      return authOutcome(code, ctx);
    case 402:
      return { reason: "telephony_provider_permission_denied", subReason: "payment_required", why: "the provider wants payment: check the trunk account's balance" };
    case 403:
      return ringing
        ? { reason: "user_declined", subReason: "forbidden_after_ringing", why: "the callee was alerted and the call was then refused" }
        : { reason: "telephony_provider_permission_denied", subReason: "forbidden", why: "the trunk refused the call before it rang: IP allow-list, caller-ID or destination permissions" };
    case 404:
      return { reason: "invalid_destination", subReason: "not_found", why: "the number does not exist as dialed" };
    case 604:
      return { reason: "invalid_destination", subReason: "not_found", why: "the number does not exist anywhere" };
    case 410:
      return { reason: "invalid_destination", subReason: "number_changed", why: "the number is no longer in service" };
    case 484:
      return { reason: "invalid_destination", subReason: "address_incomplete", why: "the number is incomplete or badly formatted" };
    case 485:
      return { reason: "invalid_destination", subReason: "address_ambiguous", why: "the number is ambiguous" };
    case 408:
      return sawProvisional(ctx)
        ? { reason: "dial_no_answer", subReason: "no_final_response", why: `nobody answered in time (${provisionalSummary(ctx)})` }
        : { reason: "telephony_provider_unavailable", subReason: "upstream_no_response", why: "the trunk timed out without any provisional response" };
    case 480:
      return { reason: "dial_no_answer", subReason: "temporarily_unavailable", why: "the callee is unavailable (phone off, not reachable or do-not-disturb)" };
    case 486:
    case 600:
      return { reason: "dial_busy", why: "the line is busy" };
    case 487:
      return ringing
        ? { reason: "dial_no_answer", subReason: "remote_ring_timeout", why: "the network stopped ringing the callee without Parley cancelling" }
        : { reason: "dial_failed", subReason: "request_terminated", why: "the INVITE was terminated by the network, not by Parley" };
    case 482:
      return { reason: "sip_routing_error", subReason: "loop_detected", why: "the INVITE looped back through the same proxy" };
    case 483:
      return { reason: "sip_routing_error", subReason: "too_many_hops", why: "the INVITE exceeded Max-Forwards on its route" };
    case 416:
      return { reason: "sip_routing_error", subReason: "unsupported_uri_scheme", why: "the trunk does not accept the Request-URI's scheme" };
    case 488:
    case 606:
    case 415:
      return { reason: "dial_failed", subReason: "media_negotiation_failed", why: "the far end accepts none of the offered codecs or media types" };
    case 603:
      return { reason: "user_declined", why: "the callee declined the call" };
    case 428:
    case 436:
    case 437:
    case 438:
      return { reason: "telephony_provider_permission_denied", subReason: "identity_rejected", why: "the trunk rejected the call's STIR/SHAKEN Identity (RFC 8224)" };
    case 433:
      return { reason: "telephony_provider_permission_denied", subReason: "anonymity_disallowed", why: "the destination refuses anonymous caller ID" };
  }
  if (code >= 300 && code < 400) {
    return { reason: "sip_routing_error", subReason: "redirect_not_followed", why: "the trunk redirected the call and Parley does not follow redirects" };
  }
  if (code >= 500 && code < 600) {
    const sub = code === 503 ? "service_unavailable" : code === 504 ? "server_timeout" : code === 502 ? "bad_gateway" : "server_error";
    return { reason: "telephony_provider_unavailable", subReason: sub, why: "the provider side is down or erroring" };
  }
  return { reason: "dial_failed", subReason: `sip_${code}`, why: "no more specific rule covers this response; see the SIP evidence" };
}

function describeResponse(r: FinalResponse, reasons: readonly ReasonValue[], retryAfter: string | undefined): string {
  let s = `The trunk answered ${r.code} ${r.phrase}`.trimEnd();
  const q = reasons.find((v) => v.protocol.toUpperCase() === "Q.850" && v.cause !== undefined);
  if (q?.cause !== undefined) s += ` (Q.850 cause ${q.cause}${q.text ? ` "${q.text}"` : ""})`;
  if (retryAfter) s += ` [Retry-After: ${retryAfter}]`;
  return s;
}

function cancelOutcome(ctx: DialContext, evidence: string): Outcome | undefined {
  if (!ctx.cancel) return undefined;
  if (ctx.cancel.cause === "api_stop") {
    return { reason: "manual_stopped", why: `The call was stopped through the API while dialing; Parley cancelled the INVITE (${evidence})` };
  }
  const after = ctx.ringTimeoutMs !== undefined ? ` after ${secondsText(ctx.ringTimeoutMs)}` : "";
  return {
    reason: "dial_no_answer",
    subReason: "ring_timeout",
    why: `Nobody answered: Parley's ring timer fired${after} and it cancelled the INVITE (${evidence})`,
  };
}

function isValidStatus(code: unknown): code is number {
  return typeof code === "number" && Number.isInteger(code) && code >= 300 && code <= 699;
}

/** Classifies a failing (3xx-6xx) final response to an outbound INVITE into the call's ending. */
export function classifyFinalResponse(response: FinalResponse, context: DialContext = {}): CallEnd {
  const at = response.at ?? Date.now();
  const phrase = typeof response.phrase === "string" ? response.phrase : "";
  const r: FinalResponse = { ...response, phrase };
  if (!isValidStatus(r.code)) {
    return callEnd("dial_failed", {
      phase: "dialing",
      subReason: "malformed_response",
      message: `The INVITE ended with status ${String(r.code)}, which is not a failure response (3xx-6xx)`,
      at,
      ...(typeof r.code === "number" && Number.isFinite(r.code) ? { sip: sipEvidence(r) } : {}),
    });
  }
  const sip = sipEvidence(r);
  const reasons = parseReasonHeader(headerValues(r.headers, "reason"));
  const warnings = headerValues(r.headers, "warning");
  const retryAfter = headerValues(r.headers, "retry-after")[0];
  const description = describeResponse(r, reasons, retryAfter);

  // Rule 0: a 487 to our own CANCEL means what the CANCEL meant; a stop-call always wins since the
  // operator's action came first, whatever crossed it on the wire.
  if (r.code === 487 || context.cancel?.cause === "api_stop") {
    const c = cancelOutcome(context, `${r.code} ${phrase}`.trimEnd());
    if (c) return build(c, at, sip, c.why, context.cancel?.at);
  }

  const texts = [phrase, ...reasons.map((v) => v.text ?? ""), ...warnings].filter((t) => t.length > 0);
  const outcome =
    providerOverride(r, texts) ??
    spamSignal(r, reasons, warnings) ??
    q850Override(r, reasons, context) ??
    sipTable(r, context);
  return build(outcome, at, sip, `${description}: ${outcome.why}`);
}

type Verdict = Pick<Outcome, "reason" | "subReason" | "fault">;

function build(o: Verdict, at: number, sip: SipResponseEvidence | undefined, message: string, causeAt?: number): CallEnd {
  return callEnd(o.reason, {
    phase: "dialing",
    message,
    ...(o.fault ? { fault: o.fault } : {}),
    ...(o.subReason ? { subReason: o.subReason } : {}),
    ...(sip ? { sip } : {}),
    at: causeAt ?? at,
  });
}

/** Classifies an INVITE failure that is not a final response: timeout, transport, media, internal. */
export function classifyDialFailure(event: DialFailureEvent, context: DialContext = {}): CallEnd {
  const at = event.at ?? Date.now();
  const c = cancelOutcome(context, describeEvent(event));
  if (c) return build(c, at, undefined, c.why, context.cancel?.at);
  switch (event.kind) {
    case "timer_b": {
      const waited = event.timeoutMs !== undefined ? ` for ${secondsText(event.timeoutMs)}` : "";
      if (!sawProvisional(context)) {
        return build(
          { reason: "telephony_provider_unavailable", subReason: "upstream_no_response" },
          at, undefined,
          `The trunk never answered the INVITE: no response at all${waited} (SIP Timer B); the provider is down or unreachable`,
        );
      }
      return build(
        { reason: "dial_no_answer", subReason: "no_final_response" },
        at, undefined,
        `Nobody answered: the INVITE got ${provisionalSummary(context).replace(/^after /, "")} but no final response${waited} (SIP Timer B)`,
      );
    }
    case "transport":
      return build(
        { reason: "telephony_provider_unavailable", subReason: "transport_error" },
        at, undefined,
        `The INVITE could not be delivered to ${event.target}: ${TRANSPORT_STAGE[event.stage]} failed (${event.detail})`,
      );
    case "media_negotiation": {
      const sip = event.response ? sipEvidence(event.response) : undefined;
      const via = event.response ? ` in its ${event.response.code} ${event.response.phrase}`.trimEnd() : "";
      return build(
        { reason: "dial_failed", subReason: "media_negotiation_failed" },
        at, sip,
        `The far end's SDP${via} has nothing in common with Parley's offer: ${event.detail}`,
      );
    }
    case "internal":
      return build(
        { reason: "dial_failed", subReason: "internal_error", fault: "platform" },
        at, undefined,
        `Parley failed while dialing: ${event.detail}`,
      );
  }
}

const TRANSPORT_STAGE: Readonly<Record<Extract<DialFailureEvent, { kind: "transport" }>["stage"], string>> = {
  dns: "DNS resolution",
  tcp_connect: "the TCP connection",
  tls_handshake: "the TLS handshake",
  icmp_unreachable: "delivery (ICMP unreachable)",
  send: "sending",
};

function describeEvent(event: DialFailureEvent): string {
  switch (event.kind) {
    case "timer_b":
      return "no final response followed";
    case "transport":
      return `then ${TRANSPORT_STAGE[event.stage]} failed`;
    case "media_negotiation":
      return "media negotiation failed too";
    case "internal":
      return event.detail;
  }
}

/**
 * True when the dialer may retry the same call on another trunk: only after the trunk itself is
 * down, erroring or mis-routing (5xx, Timer B with no response, transport errors, 482/483/3xx).
 * Never after a callee outcome, a spam block (603+/607/608, which must not be re-routed), our own
 * CANCEL (487) or a stop: those would only ring the callee twice or evade a block.
 */
export function mayFailOver(end: CallEnd): boolean {
  if (end.phase !== "dialing") return false;
  return end.reason === "telephony_provider_unavailable" || end.reason === "sip_routing_error";
}

// Adapters from the sip/ layer's objects, so the dialer hands over what its transaction reported.

/** The classifier's view of a parsed SIP response: code, phrase and every header line as received. */
export function finalResponseFrom(response: SipResponse, at?: number): FinalResponse {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of response.headers.entries()) (headers[name] ??= []).push(value);
  return { code: response.status, phrase: response.reason, headers, ...(at !== undefined ? { at } : {}) };
}

/** The provisionals a transaction summarised, as the list DialContext takes. */
export function provisionalsFrom(summary: ProvisionalSummary): ProvisionalSeen[] {
  if (summary.count === 0) return [];
  const at = summary.firstAt ?? 0;
  const codes = [summary.firstStatus, summary.lastStatus].filter((c): c is number => c !== undefined);
  if (summary.alerted && !codes.some((c) => RINGING_CODES.has(c))) codes.push(180);
  if (codes.length === 0) codes.push(100);
  return [...new Set(codes)].map((code) => ({ code, at }));
}

/** The DialFailureEvent of a transport failure reported by the sip/ layer. */
export function transportFailureEvent(failure: TransportFailure, at?: number): DialFailureEvent {
  const unreachable = failure.cause === "host_unreachable";
  const stage =
    failure.stage === "resolve" ? "dns"
    : failure.stage === "tls_handshake" || failure.cause === "tls_handshake" ? "tls_handshake"
    : unreachable ? "icmp_unreachable"
    : failure.stage === "connect" ? "tcp_connect"
    : "send";
  return {
    kind: "transport",
    stage,
    target: failure.target ?? "the trunk",
    detail: `${failure.cause}: ${failure.message}${failure.code ? ` (${failure.code})` : ""}`,
    ...(at !== undefined ? { at } : {}),
  };
}

/**
 * Classifies how an outbound INVITE client transaction ended (a failing final, Timer B, a
 * transport error, an abort). `context` carries what the transaction does not know: our CANCEL,
 * the auth retry, the ring timer. A 2xx is not a failure and comes back as dial_failed/malformed.
 */
export function classifyInviteOutcome(
  outcome: ClientOutcome,
  context: Omit<DialContext, "provisionals"> = {},
  at: number = Date.now(),
): CallEnd {
  const ctx: DialContext = { ...context, provisionals: provisionalsFrom(outcome.provisionals) };
  switch (outcome.kind) {
    case "final":
      return classifyFinalResponse(finalResponseFrom(outcome.response, at), ctx);
    case "timeout":
      // cancel_guard: our CANCEL got no final either; the context's cancel cause decides.
      return classifyDialFailure({ kind: "timer_b", timeoutMs: outcome.afterMs, at }, ctx);
    case "transport_error":
      return classifyDialFailure(transportFailureEvent(outcome.failure, at), ctx);
    case "aborted":
      return classifyDialFailure({ kind: "internal", detail: `the INVITE transaction was aborted: ${outcome.why}`, at }, ctx);
  }
}
