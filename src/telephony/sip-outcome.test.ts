import { test } from "node:test";
import assert from "node:assert/strict";
import type { CallEnd, SipResponseEvidence } from "../core/call-end.js";
import { reasonInfo, type DisconnectionReason } from "../core/reasons.js";
import type { SipResponse } from "../sip/message.js";
import { parseMessage } from "../sip/parse.js";
import {
  classifyDialFailure,
  classifyFinalResponse,
  classifyInviteOutcome,
  mayFailOver,
  parseReasonHeader,
  provisionalsFrom,
  transportFailureEvent,
  type DialContext,
  type FinalResponse,
} from "./sip-outcome.js";

/** The response evidence of an ending (dial failures always carry a response or none). */
const sipOf = (e: CallEnd): SipResponseEvidence | undefined => (e.sip && "code" in e.sip ? e.sip : undefined);

const T0 = 1_700_000_000_000;
const trying: DialContext = { provisionals: [{ code: 100, at: T0 + 10 }] };
const ringing: DialContext = { provisionals: [{ code: 100, at: T0 + 10 }, { code: 180, at: T0 + 900 }] };
const early: DialContext = { provisionals: [{ code: 100, at: T0 + 10 }, { code: 183, at: T0 + 700 }] };

interface Row {
  readonly name: string;
  readonly response: FinalResponse;
  readonly context?: DialContext;
  readonly reason: DisconnectionReason;
  readonly subReason?: string;
}

const rs = (code: number, phrase: string, headers?: FinalResponse["headers"]): FinalResponse => ({
  code,
  phrase,
  at: T0 + 5000,
  ...(headers ? { headers } : {}),
});

// One row per line of spec/telephony.md §1.4's table, then the precedence cases.
const ROWS: readonly Row[] = [
  // invalid_destination
  { name: "404", response: rs(404, "Not Found"), context: trying, reason: "invalid_destination", subReason: "not_found" },
  { name: "410", response: rs(410, "Gone"), reason: "invalid_destination", subReason: "number_changed" },
  { name: "484", response: rs(484, "Address Incomplete"), reason: "invalid_destination", subReason: "address_incomplete" },
  { name: "485", response: rs(485, "Ambiguous"), reason: "invalid_destination", subReason: "address_ambiguous" },
  { name: "604", response: rs(604, "Does Not Exist Anywhere"), reason: "invalid_destination", subReason: "not_found" },
  { name: "Q.850 1 on a 480", response: rs(480, "Temporarily Unavailable", { Reason: "Q.850;cause=1;text=\"Unallocated number\"" }), reason: "invalid_destination", subReason: "not_found" },
  { name: "Q.850 3", response: rs(500, "Server Error", { Reason: "Q.850;cause=3" }), reason: "invalid_destination", subReason: "no_route_to_destination" },
  { name: "Q.850 22", response: rs(480, "Temporarily Unavailable", { Reason: "Q.850;cause=22" }), reason: "invalid_destination", subReason: "number_changed" },
  { name: "Q.850 28", response: rs(400, "Bad Request", { Reason: "Q.850;cause=28" }), reason: "invalid_destination", subReason: "address_incomplete" },
  // telephony_provider_permission_denied
  { name: "401 after credentialed retry", response: rs(401, "Unauthorized"), context: { ...trying, auth: "retried" }, reason: "telephony_provider_permission_denied", subReason: "auth_failed" },
  { name: "407 after credentialed retry", response: rs(407, "Proxy Authentication Required"), context: { auth: "retried" }, reason: "telephony_provider_permission_denied", subReason: "auth_failed" },
  { name: "401 with no credentials configured", response: rs(401, "Unauthorized"), context: { auth: "missing" }, reason: "telephony_provider_permission_denied", subReason: "auth_failed" },
  { name: "403 before any 18x", response: rs(403, "Forbidden"), context: trying, reason: "telephony_provider_permission_denied", subReason: "forbidden" },
  { name: "402", response: rs(402, "Payment Required"), reason: "telephony_provider_permission_denied", subReason: "payment_required" },
  { name: "X-Twilio-Error 10001 on a 603", response: rs(603, "Decline", { "X-Twilio-Error": "10001 Account is not active" }), reason: "telephony_provider_permission_denied", subReason: "account_inactive" },
  { name: "X-Twilio-Error 32200", response: rs(403, "Forbidden", { "X-Twilio-Error": "32200 SIP: Insufficient permissions" }), reason: "telephony_provider_permission_denied", subReason: "forbidden" },
  { name: "X-Twilio-Error 32204", response: rs(403, "Forbidden", { "x-twilio-error": "32204 'From' phone number not verified" }), reason: "telephony_provider_permission_denied", subReason: "caller_id_not_verified" },
  { name: "X-Twilio-Error 21216", response: rs(403, "Forbidden", { "X-Twilio-Error": "21216 Call blocked by Twilio" }), reason: "telephony_provider_permission_denied", subReason: "provider_blocked_destination" },
  { name: "Q.850 50 on a 403", response: rs(403, "Forbidden", { Reason: "Q.850;cause=50" }), reason: "telephony_provider_permission_denied", subReason: "facility_not_subscribed" },
  { name: "Q.850 52", response: rs(403, "Forbidden", { Reason: "Q.850;cause=52" }), reason: "telephony_provider_permission_denied", subReason: "outgoing_calls_barred" },
  { name: "Q.850 57", response: rs(403, "Forbidden", { Reason: "Q.850;cause=57" }), reason: "telephony_provider_permission_denied", subReason: "bearer_not_authorized" },
  // telephony_provider_unavailable
  { name: "500", response: rs(500, "Server Internal Error"), reason: "telephony_provider_unavailable", subReason: "server_error" },
  { name: "502", response: rs(502, "Bad Gateway"), reason: "telephony_provider_unavailable", subReason: "bad_gateway" },
  { name: "503", response: rs(503, "Service Unavailable", { "Retry-After": "30" }), reason: "telephony_provider_unavailable", subReason: "service_unavailable" },
  { name: "504", response: rs(504, "Server Time-out"), reason: "telephony_provider_unavailable", subReason: "server_timeout" },
  { name: "other 5xx (580)", response: rs(580, "Precondition Failure"), reason: "telephony_provider_unavailable", subReason: "server_error" },
  { name: "503 CPS limit exceeded", response: rs(503, "CPS limit exceeded"), reason: "telephony_provider_unavailable", subReason: "rate_limited" },
  { name: "503 concurrent call limit in Warning", response: rs(503, "Service Unavailable", { Warning: "399 sip.example \"Concurrent call limit exceeded\"" }), reason: "telephony_provider_unavailable", subReason: "rate_limited" },
  { name: "remote 408 with no provisional", response: rs(408, "Request Timeout"), reason: "telephony_provider_unavailable", subReason: "upstream_no_response" },
  { name: "Q.850 34", response: rs(480, "Temporarily Unavailable", { Reason: "Q.850;cause=34" }), reason: "telephony_provider_unavailable", subReason: "congestion" },
  { name: "Q.850 38", response: rs(500, "Server Error", { Reason: "Q.850;cause=38" }), reason: "telephony_provider_unavailable", subReason: "network_out_of_order" },
  { name: "Q.850 41", response: rs(480, "Temporarily Unavailable", { Reason: "Q.850;cause=41" }), reason: "telephony_provider_unavailable", subReason: "temporary_failure" },
  { name: "Q.850 42", response: rs(503, "Service Unavailable", { Reason: "Q.850;cause=42" }), reason: "telephony_provider_unavailable", subReason: "congestion" },
  { name: "Q.850 44", response: rs(480, "Temporarily Unavailable", { Reason: "Q.850;cause=44" }), reason: "telephony_provider_unavailable", subReason: "channel_unavailable" },
  { name: "Q.850 47", response: rs(500, "Server Error", { Reason: "Q.850;cause=47" }), reason: "telephony_provider_unavailable", subReason: "resource_unavailable" },
  { name: "Q.850 58", response: rs(488, "Not Acceptable Here", { Reason: "Q.850;cause=58" }), reason: "telephony_provider_unavailable", subReason: "bearer_unavailable" },
  { name: "Q.850 102 with no 18x", response: rs(504, "Server Time-out", { Reason: "Q.850;cause=102" }), context: trying, reason: "telephony_provider_unavailable", subReason: "upstream_no_response" },
  // sip_routing_error
  { name: "482", response: rs(482, "Loop Detected"), reason: "sip_routing_error", subReason: "loop_detected" },
  { name: "483", response: rs(483, "Too Many Hops"), reason: "sip_routing_error", subReason: "too_many_hops" },
  { name: "302 not followed", response: rs(302, "Moved Temporarily", { Contact: "<sip:+15551234567@elsewhere.example>" }), reason: "sip_routing_error", subReason: "redirect_not_followed" },
  { name: "416", response: rs(416, "Unsupported URI Scheme"), reason: "sip_routing_error", subReason: "unsupported_uri_scheme" },
  { name: "Q.850 2", response: rs(404, "Not Found", { Reason: "Q.850;cause=2" }), reason: "sip_routing_error", subReason: "no_route_transit_network" },
  { name: "Q.850 25", response: rs(500, "Server Error", { Reason: "Q.850;cause=25" }), reason: "sip_routing_error", subReason: "exchange_routing_error" },
  // marked_as_spam
  { name: "607", response: rs(607, "Unwanted"), context: ringing, reason: "marked_as_spam", subReason: "unwanted_607" },
  { name: "608", response: rs(608, "Rejected", { "Call-Info": "<https://analytics.example/jcard>;purpose=jwscard" }), reason: "marked_as_spam", subReason: "analytics_608" },
  { name: "603 Network Blocked phrase", response: rs(603, "Network Blocked"), reason: "marked_as_spam", subReason: "network_blocked_603plus" },
  { name: "603 with SIP Reason text Network Blocked", response: rs(603, "Decline", { Reason: "SIP;cause=603;text=\"Network Blocked\"" }), reason: "marked_as_spam", subReason: "network_blocked_603plus" },
  { name: "603+ with v=analytics1 (SIP Reason)", response: rs(603, "Network Blocked", { Reason: "SIP;cause=603;text=\"v=analytics1;url=https://example.com/redress\";location=TN" }), reason: "marked_as_spam", subReason: "network_blocked_603plus" },
  { name: "603 Decline with v=analytics1 in a Q.850 Reason", response: rs(603, "Decline", { Reason: "Q.850;cause=21;text=\"v=analytics1;url=https://example.com/redress\";location=LN" }), reason: "marked_as_spam", subReason: "network_blocked_603plus" },
  { name: "X-Twilio-Error 32203", response: rs(603, "Decline", { "X-Twilio-Error": "32203 Call blocked by the carrier" }), reason: "marked_as_spam", subReason: "carrier_blocked" },
  { name: "403 with spam wording in Warning", response: rs(403, "Forbidden", { Warning: "399 carrier.example \"Suspected robocall\"" }), reason: "marked_as_spam", subReason: "blocked_text" },
  // user_declined
  { name: "plain 603 Decline", response: rs(603, "Decline"), context: ringing, reason: "user_declined" },
  { name: "403 after 180 with Q.850 21", response: rs(403, "Forbidden", { Reason: "Q.850;cause=21;text=\"Call rejected\"" }), context: ringing, reason: "user_declined", subReason: "call_rejected" },
  { name: "403 after 183 with Q.850 21", response: rs(403, "Forbidden", { Reason: "Q.850;cause=21" }), context: early, reason: "user_declined", subReason: "call_rejected" },
  // dial_busy
  { name: "486", response: rs(486, "Busy Here"), context: ringing, reason: "dial_busy" },
  { name: "600", response: rs(600, "Busy Everywhere"), reason: "dial_busy" },
  { name: "Q.850 17 on a 480", response: rs(480, "Temporarily Unavailable", { Reason: "Q.850;cause=17;text=\"User busy\"" }), reason: "dial_busy", subReason: "user_busy" },
  // dial_no_answer
  { name: "480", response: rs(480, "Temporarily Unavailable"), context: ringing, reason: "dial_no_answer", subReason: "temporarily_unavailable" },
  { name: "remote 408 after a provisional", response: rs(408, "Request Timeout"), context: ringing, reason: "dial_no_answer", subReason: "no_final_response" },
  { name: "487 to our ring-timer CANCEL", response: rs(487, "Request Terminated"), context: { ...ringing, cancel: { cause: "ring_timeout", at: T0 + 30_000 } }, reason: "dial_no_answer", subReason: "ring_timeout" },
  { name: "Q.850 18", response: rs(408, "Request Timeout", { Reason: "Q.850;cause=18" }), reason: "dial_no_answer", subReason: "no_user_responding" },
  { name: "Q.850 19", response: rs(480, "Temporarily Unavailable", { Reason: "Q.850;cause=19" }), context: ringing, reason: "dial_no_answer", subReason: "no_answer" },
  { name: "Q.850 20", response: rs(480, "Temporarily Unavailable", { Reason: "Q.850;cause=20" }), reason: "dial_no_answer", subReason: "subscriber_absent" },
  { name: "Q.850 102 after ringing", response: rs(504, "Server Time-out", { Reason: "Q.850;cause=102" }), context: ringing, reason: "dial_no_answer", subReason: "no_final_response" },
  // 487 by our stop-call
  { name: "487 to our stop-call CANCEL", response: rs(487, "Request Terminated"), context: { ...ringing, cancel: { cause: "api_stop", at: T0 + 4000 } }, reason: "manual_stopped" },
  // dial_failed: media negotiation
  { name: "488", response: rs(488, "Not Acceptable Here"), reason: "dial_failed", subReason: "media_negotiation_failed" },
  { name: "606", response: rs(606, "Not Acceptable"), reason: "dial_failed", subReason: "media_negotiation_failed" },
  { name: "415", response: rs(415, "Unsupported Media Type"), reason: "dial_failed", subReason: "media_negotiation_failed" },
  { name: "Q.850 88 on a 503", response: rs(503, "Service Unavailable", { Reason: "Q.850;cause=88;text=\"INCOMPATIBLE_DESTINATION\"" }), reason: "dial_failed", subReason: "media_negotiation_failed" },
  // dial_failed: the rest
  { name: "400", response: rs(400, "Bad Request"), reason: "dial_failed", subReason: "sip_400" },
  { name: "420", response: rs(420, "Bad Extension"), reason: "dial_failed", subReason: "sip_420" },
  { name: "421", response: rs(421, "Extension Required"), reason: "dial_failed", subReason: "sip_421" },
  { name: "other 6xx (699)", response: rs(699, "Whatever"), reason: "dial_failed", subReason: "sip_699" },
  { name: "Q.850 54", response: rs(403, "Forbidden", { Reason: "Q.850;cause=54" }), reason: "dial_failed", subReason: "incoming_calls_barred" },
];

for (const row of ROWS) {
  test(`final response: ${row.name} → ${row.reason}${row.subReason ? `/${row.subReason}` : ""}`, () => {
    const end = classifyFinalResponse(row.response, row.context ?? {});
    assert.equal(end.reason, row.reason);
    assert.equal(end.subReason, row.subReason);
    assert.equal(end.phase, "dialing");
    assert.equal(end.fault, reasonInfo(row.reason).fault);
    assert.equal(sipOf(end)?.code, row.response.code);
    assert.equal(sipOf(end)?.phrase, row.response.phrase);
    assert.ok(end.message.includes(String(row.response.code)), `message names the code: ${end.message}`);
  });
}

test("precedence: provider header beats spam signal beats Q.850 beats SIP code", () => {
  // X-Twilio-Error 10001 on a 607 with Q.850 17: the provider's own statement wins.
  const all = rs(607, "Unwanted", { "X-Twilio-Error": "10001 Account is not active", Reason: "Q.850;cause=17" });
  assert.equal(classifyFinalResponse(all).reason, "telephony_provider_permission_denied");
  // Without the provider header, the spam signal wins over Q.850 17.
  const { "X-Twilio-Error": _drop, ...noProvider } = all.headers as Record<string, string>;
  assert.equal(classifyFinalResponse({ ...all, headers: noProvider }).reason, "marked_as_spam");
  // Without spam, Q.850 beats the SIP code: 486 with cause 21 is a decline, not busy.
  assert.equal(classifyFinalResponse(rs(486, "Busy Here", { Reason: "Q.850;cause=21" }), ringing).reason, "user_declined");
  // A non-specific Q.850 cause (16, 31) leaves the SIP code in charge.
  assert.equal(classifyFinalResponse(rs(486, "Busy Here", { Reason: "Q.850;cause=16" })).reason, "dial_busy");
  assert.equal(classifyFinalResponse(rs(480, "Temporarily Unavailable", { Reason: "Q.850;cause=31" })).reason, "dial_no_answer");
});

test("403 with Q.850 21 before any 18x stays a trunk refusal (the 'after 180/183' row)", () => {
  const end = classifyFinalResponse(rs(403, "Forbidden", { Reason: "Q.850;cause=21" }), trying);
  assert.equal(end.reason, "telephony_provider_permission_denied");
  assert.equal(end.subReason, "forbidden");
});

test("a stop-call CANCEL wins over whatever final response crossed it", () => {
  const ctx: DialContext = { ...ringing, cancel: { cause: "api_stop", at: T0 + 3000 } };
  const end = classifyFinalResponse(rs(486, "Busy Here"), ctx);
  assert.equal(end.reason, "manual_stopped");
  assert.equal(end.fault, "operator");
  assert.equal(end.at, T0 + 3000);
  assert.equal(sipOf(end)?.code, 486);
});

test("a ring-timer CANCEL crossed by a 486 keeps the callee's answer", () => {
  const ctx: DialContext = { ...ringing, cancel: { cause: "ring_timeout", at: T0 + 30_000 } };
  assert.equal(classifyFinalResponse(rs(486, "Busy Here"), ctx).reason, "dial_busy");
});

test("ring-timeout message quotes the timer and the time of the cause", () => {
  const end = classifyFinalResponse(rs(487, "Request Terminated"), {
    ...ringing,
    ringTimeoutMs: 30_000,
    cancel: { cause: "ring_timeout", at: T0 + 30_000 },
  });
  assert.match(end.message, /ring timer fired after 30 s/);
  assert.equal(end.at, T0 + 30_000);
});

test("487 that Parley did not cause: after ringing no-answer, before ringing dial_failed", () => {
  assert.equal(classifyFinalResponse(rs(487, "Request Terminated"), ringing).subReason, "remote_ring_timeout");
  assert.equal(classifyFinalResponse(rs(487, "Request Terminated"), trying).reason, "dial_failed");
});

test("evidence is kept verbatim: several Reason headers, Warning, X- headers, Retry-After", () => {
  const end = classifyFinalResponse(
    rs(503, "Service Unavailable", {
      Reason: ["SIP;cause=503;text=\"Overloaded\"", "Q.850;cause=41;text=\"Temporary failure\""],
      Warning: "399 gw.example \"maintenance\"",
      "X-Carrier-Cause": "abc",
      "Retry-After": "120",
      "Content-Length": "0",
    }),
  );
  assert.equal(end.reason, "telephony_provider_unavailable");
  assert.equal(end.subReason, "temporary_failure");
  assert.deepEqual(end.sip, {
    code: 503,
    phrase: "Service Unavailable",
    reasonHeader: "SIP;cause=503;text=\"Overloaded\", Q.850;cause=41;text=\"Temporary failure\"",
    carrierHeaders: { Warning: "399 gw.example \"maintenance\"", "X-Carrier-Cause": "abc", "Retry-After": "120" },
  });
  assert.match(end.message, /Retry-After: 120/);
  assert.match(end.message, /Q\.850 cause 41/);
});

test("Reason header parsing: commas and semicolons inside quoted text, case, junk", () => {
  const values = parseReasonHeader([
    "SIP ;cause=603 ;text=\"v=analytics1;url=https://x.example/a,b\";location=TN, Q.850;CAUSE=21",
    "garbage with spaces;cause=1",
    "",
    "Q.850;cause=notanumber",
  ]);
  assert.equal(values.length, 3);
  assert.equal(values[0]?.protocol, "SIP");
  assert.equal(values[0]?.cause, 603);
  assert.equal(values[0]?.text, "v=analytics1;url=https://x.example/a,b");
  assert.equal(values[0]?.params["location"], "TN");
  assert.equal(values[1]?.protocol, "Q.850");
  assert.equal(values[1]?.cause, 21);
  assert.equal(values[2]?.cause, undefined);
});

test("a 16-bit Q.850 cause value is read by its low 7 bits", () => {
  // 0x8011 & 0x7f = 17 (user busy)
  assert.equal(classifyFinalResponse(rs(480, "Temporarily Unavailable", { Reason: `Q.850;cause=${0x8011}` })).reason, "dial_busy");
});

test("bad input gets a dial_failed with a clear message, not a throw", () => {
  const odd: FinalResponse[] = [
    rs(200, "OK"),
    rs(99, "Nope"),
    { code: Number.NaN, phrase: "x" },
    { code: 486, phrase: undefined as unknown as string },
    rs(486, "Busy Here", { Reason: 42 as unknown as string, Warning: [null as unknown as string] }),
  ];
  const ends = odd.map((r) => classifyFinalResponse(r));
  assert.equal(ends[0]?.subReason, "malformed_response");
  assert.equal(ends[1]?.subReason, "malformed_response");
  assert.equal(ends[2]?.subReason, "malformed_response");
  assert.equal(ends[3]?.reason, "dial_busy");
  assert.equal(ends[4]?.reason, "dial_busy");
  for (const e of ends) assert.ok(e.message.length > 10);
});

test("Timer B: zero provisionals → provider unavailable, after provisionals → no answer", () => {
  const silent = classifyDialFailure({ kind: "timer_b", timeoutMs: 32_000, at: T0 + 32_000 });
  assert.equal(silent.reason, "telephony_provider_unavailable");
  assert.equal(silent.subReason, "upstream_no_response");
  assert.equal(silent.at, T0 + 32_000);
  assert.equal(silent.sip, undefined);
  assert.match(silent.message, /32 s/);
  const rang = classifyDialFailure({ kind: "timer_b", timeoutMs: 32_000 }, ringing);
  assert.equal(rang.reason, "dial_no_answer");
  assert.equal(rang.subReason, "no_final_response");
  assert.match(rang.message, /100\/180/);
});

test("transport errors (DNS, TCP refused, TLS handshake) → provider unavailable / transport_error", () => {
  for (const stage of ["dns", "tcp_connect", "tls_handshake", "icmp_unreachable"] as const) {
    const end = classifyDialFailure({ kind: "transport", stage, target: "sip.trunk.example:5061", detail: "ECONNREFUSED" });
    assert.equal(end.reason, "telephony_provider_unavailable");
    assert.equal(end.subReason, "transport_error");
    assert.match(end.message, /sip\.trunk\.example:5061/);
    assert.ok(mayFailOver(end));
  }
});

test("no common codec → dial_failed / media_negotiation_failed with the answer kept", () => {
  const end = classifyDialFailure({
    kind: "media_negotiation",
    detail: "offered PCMU/PCMA, answered G729 only",
    response: rs(200, "OK"),
  });
  assert.equal(end.reason, "dial_failed");
  assert.equal(end.subReason, "media_negotiation_failed");
  assert.equal(sipOf(end)?.code, 200);
  assert.match(end.message, /G729/);
});

test("Timer B after our ring-timer CANCEL is still the ring timeout; internal errors are platform faults", () => {
  const end = classifyDialFailure({ kind: "timer_b" }, { ...ringing, cancel: { cause: "ring_timeout", at: T0 + 60_000 } });
  assert.equal(end.reason, "dial_no_answer");
  assert.equal(end.subReason, "ring_timeout");
  const internal = classifyDialFailure({ kind: "internal", detail: "no free RTP port" });
  assert.equal(internal.reason, "dial_failed");
  assert.equal(internal.fault, "platform");
});

function end(response: FinalResponse, context: DialContext = {}): CallEnd {
  return classifyFinalResponse(response, context);
}

test("mayFailOver: never after 603+/607/608/487 or callee outcomes; yes after 5xx and transport errors", () => {
  const no = [
    end(rs(603, "Network Blocked", { Reason: "SIP;cause=603;text=\"v=analytics1;url=x\"" })),
    end(rs(607, "Unwanted")),
    end(rs(608, "Rejected")),
    end(rs(487, "Request Terminated"), { ...ringing, cancel: { cause: "ring_timeout", at: T0 } }),
    end(rs(487, "Request Terminated"), { cancel: { cause: "api_stop", at: T0 } }),
    end(rs(486, "Busy Here")),
    end(rs(603, "Decline")),
    end(rs(404, "Not Found")),
    end(rs(480, "Temporarily Unavailable")),
    classifyDialFailure({ kind: "timer_b" }, ringing),
  ];
  for (const e of no) assert.equal(mayFailOver(e), false, `${e.reason}/${e.subReason}`);
  const yes = [
    end(rs(500, "Server Internal Error")),
    end(rs(503, "Service Unavailable")),
    end(rs(503, "CPS limit exceeded")),
    end(rs(482, "Loop Detected")),
    classifyDialFailure({ kind: "timer_b" }),
    classifyDialFailure({ kind: "transport", stage: "dns", target: "x", detail: "ENOTFOUND" }),
  ];
  for (const e of yes) assert.equal(mayFailOver(e), true, `${e.reason}/${e.subReason}`);
});

// The adapters from the sip/ layer, on a response parsed by Parley's own parser.
function parsed(text: string): SipResponse {
  const r = parseMessage(Buffer.from(text.replace(/\n/g, "\r\n")));
  if (!r.ok || r.message.kind !== "response") throw new Error("fixture did not parse as a response");
  return r.message;
}

const WIRE_603 = `SIP/2.0 603 Network Blocked
Via: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bKabc
From: <sip:parley@127.0.0.2>;tag=1
To: <sip:+15551230000@127.0.0.1>;tag=2
Call-ID: x@127.0.0.2
CSeq: 1 INVITE
Reason: SIP;cause=603;text="v=analytics1;url=https://redress.example/a"
Reason: Q.850;cause=21
X-Carrier-Ref: 77
Content-Length: 0

`;

test("classifyInviteOutcome: a parsed 603+ final with both Reason lines kept verbatim", () => {
  const end = classifyInviteOutcome(
    { kind: "final", response: parsed(WIRE_603), provisionals: { count: 2, firstStatus: 100, lastStatus: 180, firstAt: T0, alerted: true } },
    {},
    T0 + 9000,
  );
  assert.equal(end.reason, "marked_as_spam");
  assert.equal(end.subReason, "network_blocked_603plus");
  assert.equal(end.at, T0 + 9000);
  assert.equal(end.sip?.reasonHeader, 'SIP;cause=603;text="v=analytics1;url=https://redress.example/a", Q.850;cause=21');
  assert.deepEqual(end.sip?.carrierHeaders, { "X-Carrier-Ref": "77" });
});

test("classifyInviteOutcome: Timer B with and without provisionals, cancel guard, transport, abort", () => {
  const none = { count: 0, alerted: false };
  const alerted = { count: 1, firstStatus: 183, lastStatus: 183, firstAt: T0, alerted: true };
  assert.equal(classifyInviteOutcome({ kind: "timeout", timer: "B", afterMs: 32_000, provisionals: none }).subReason, "upstream_no_response");
  assert.equal(classifyInviteOutcome({ kind: "timeout", timer: "B", afterMs: 32_000, provisionals: alerted }).reason, "dial_no_answer");
  const guard = classifyInviteOutcome(
    { kind: "timeout", timer: "cancel_guard", afterMs: 32_000, provisionals: alerted },
    { cancel: { cause: "api_stop", at: T0 } },
  );
  assert.equal(guard.reason, "manual_stopped");
  const refused = classifyInviteOutcome({
    kind: "transport_error",
    failure: { cause: "connect_refused", stage: "connect", target: "tcp:127.0.0.1:5099", message: "connect ECONNREFUSED", code: "ECONNREFUSED" },
    provisionals: none,
  });
  assert.equal(refused.reason, "telephony_provider_unavailable");
  assert.equal(refused.subReason, "transport_error");
  assert.match(refused.message, /tcp:127\.0\.0\.1:5099.*TCP connection.*ECONNREFUSED/);
  const dns = transportFailureEvent({ cause: "dns_failed", stage: "resolve", message: "getaddrinfo ENOTFOUND x" });
  assert.equal(dns.kind === "transport" && dns.stage, "dns");
  const aborted = classifyInviteOutcome({ kind: "aborted", why: "stack closed", provisionals: none });
  assert.equal(aborted.reason, "dial_failed");
  assert.equal(aborted.fault, "platform");
});

test("provisionalsFrom keeps first/last codes and marks an alert seen only in between", () => {
  assert.deepEqual(provisionalsFrom({ count: 0, alerted: false }), []);
  assert.deepEqual(provisionalsFrom({ count: 3, firstStatus: 100, lastStatus: 100, firstAt: 5, alerted: true }).map((p) => p.code), [100, 180]);
  assert.deepEqual(provisionalsFrom({ count: 2, firstStatus: 100, lastStatus: 183, firstAt: 5, alerted: true }).map((p) => p.code), [100, 183]);
});
