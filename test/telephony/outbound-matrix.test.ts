import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Retell from "retell-sdk";
import { startSippUas, type UasOptions } from "../helpers/sipp.js";
import { startTestParley, type TestParley } from "../helpers/parley.js";
import { waitFor } from "../helpers/net.js";

let p: TestParley;
let client: Retell;
let agentId: string;
let n = 0;

before(async () => {
  p = await startTestParley({ env: { PARLEY_SIP_HOST: "127.0.0.1", PARLEY_SIP_T1_MS: "100", PARLEY_RTP_PORTS: "21000-21999" } });
  client = new Retell({ apiKey: p.apiKey, baseURL: p.url, maxRetries: 0 });
  const agent = await client.agent.create({ response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male", ring_duration_ms: 5000 });
  agentId = agent.agent_id;
});
after(async () => p.close());

type Call = Awaited<ReturnType<Retell["call"]["retrieve"]>> & {
  disconnection_detail?: { sub_reason?: string; sip?: { code: number | null; phrase: string | null; reason_header: string | null }; timestamps: Record<string, number | null> };
};

/** Imports a trunk number pointing at `port`, places one call and waits for its ending. */
async function dialThrough(port: number, creds?: { user: string; password: string }, transport: "UDP" | "TCP" = "UDP", to = "+14155550123"): Promise<Call> {
  const number = `+1415555${String(1000 + n++).padStart(4, "0")}`;
  await client.phoneNumber.import({
    phone_number: number,
    termination_uri: `127.0.0.1:${port}`,
    transport,
    outbound_agents: [{ agent_id: agentId, weight: 1 }],
    ...(creds ? { sip_trunk_auth_username: creds.user, sip_trunk_auth_password: creds.password } : {}),
  } as never);
  const created = await client.call.createPhoneCall({ from_number: number, to_number: to });
  let call: Call | undefined;
  await waitFor(`call ${created.call_id} to end`, async () => {
    call = (await client.call.retrieve(created.call_id)) as Call;
    return call.call_status !== "registered" && call.call_status !== "ongoing";
  }, 60_000, 100);
  return call!;
}

// [name, SIPp UAS options, reason, sub-reason or undefined, code and phrase kept]
const MATRIX: [string, UasOptions, string, string | undefined, number | undefined][] = [
  ["404", { code: 404, phrase: "Not Found" }, "invalid_destination", "not_found", 404],
  ["484", { code: 484, phrase: "Address Incomplete" }, "invalid_destination", "address_incomplete", 484],
  ["403", { code: 403, phrase: "Forbidden" }, "telephony_provider_permission_denied", "forbidden", 403],
  ["500", { code: 500, phrase: "Server Internal Error" }, "telephony_provider_unavailable", undefined, 500],
  ["503", { code: 503, phrase: "Service Unavailable" }, "telephony_provider_unavailable", undefined, 503],
  ["482", { code: 482, phrase: "Loop Detected" }, "sip_routing_error", "loop_detected", 482],
  ["483", { code: 483, phrase: "Too Many Hops" }, "sip_routing_error", "too_many_hops", 483],
  ["486", { code: 486, phrase: "Busy Here" }, "dial_busy", undefined, 486],
  ["600", { code: 600, phrase: "Busy Everywhere" }, "dial_busy", undefined, 600],
  ["plain 603", { code: 603, phrase: "Decline" }, "user_declined", undefined, 603],
  ["603 Network Blocked with a v=analytics1 Reason", { code: 603, phrase: "Network Blocked", headers: { Reason: 'SIP;cause=603;text="v=analytics1;spam"' } }, "marked_as_spam", "network_blocked_603plus", 603],
  ["607", { code: 607, phrase: "Unwanted" }, "marked_as_spam", "unwanted_607", 607],
  ["608", { code: 608, phrase: "Rejected" }, "marked_as_spam", "analytics_608", 608],
  ["480", { code: 480, phrase: "Temporarily Unavailable" }, "dial_no_answer", "temporarily_unavailable", 480],
  ["183 then 480", { scenario: "early-media-480", ringMs: 300 }, "dial_no_answer", "temporarily_unavailable", 480],
  ["488", { code: 488, phrase: "Not Acceptable Here" }, "dial_failed", "media_negotiation_failed", 488],
];

for (const [name, uas, reason, sub, code] of MATRIX) {
  test(`outbound: trunk answers ${name} → ${reason}`, { timeout: 60_000 }, async () => {
    const peer = await startSippUas(uas);
    try {
      const call = await dialThrough(peer.port);
      assert.equal(call.call_status, "not_connected");
      assert.equal(call.disconnection_reason, reason);
      if (sub) assert.equal(call.disconnection_detail?.sub_reason, sub);
      assert.equal(call.disconnection_detail?.sip?.code, code);
      assert.ok(call.disconnection_detail?.sip?.phrase, "the reason phrase is kept");
      if (uas.scenario === undefined && "headers" in uas && uas.headers) assert.match(String(call.disconnection_detail?.sip?.reason_header), /analytics1/);
      assert.ok(call.disconnection_detail?.timestamps.invite, "INVITE time kept");
    } finally {
      await peer.stop();
    }
  });
}

test("outbound: wrong credentials through 401 and through 407 → telephony_provider_permission_denied", { timeout: 60_000 }, async () => {
  for (const scenario of ["auth-401", "auth-407"] as const) {
    const peer = await startSippUas(scenario === "auth-401" ? { scenario, user: "alice", password: "right" } : { scenario, user: "alice", password: "right", requestUri: "sip:+14155550123@127.0.0.1:{port}" });
    try {
      const call = await dialThrough(peer.port, { user: "alice", password: "wrong" });
      assert.equal(call.disconnection_reason, "telephony_provider_permission_denied", scenario);
      assert.equal(call.disconnection_detail?.sip?.code, 403);
    } finally {
      await peer.stop();
    }
  }
});

test("outbound: digest succeeds through 401 and through 407; stop-call then hangs up with BYE", { timeout: 60_000 }, async () => {
  for (const scenario of ["auth-401", "auth-407"] as const) {
    const peer = await startSippUas(scenario === "auth-401" ? { scenario, user: "alice", password: "s3cret" } : { scenario, user: "alice", password: "s3cret", requestUri: "sip:+14155550123@127.0.0.1:{port}" });
    try {
      const number = `+1415555${String(1000 + n++).padStart(4, "0")}`;
      await client.phoneNumber.import({ phone_number: number, termination_uri: `127.0.0.1:${peer.port}`, transport: "UDP", sip_trunk_auth_username: "alice", sip_trunk_auth_password: "s3cret", outbound_agents: [{ agent_id: agentId, weight: 1 }] } as never);
      const created = await client.call.createPhoneCall({ from_number: number, to_number: "+14155550123" });
      await waitFor(`${scenario}: connected`, async () => (await client.call.retrieve(created.call_id)).call_status === "ongoing", 15_000);
      await client.call.stop(created.call_id);
      const call = (await client.call.retrieve(created.call_id)) as Call;
      assert.equal(call.disconnection_reason, "manual_stopped", scenario);
      assert.ok(call.disconnection_detail?.timestamps.answered);
      assert.equal((await peer.done).exitCode, 0, `${scenario}: SIPp saw a good digest and our BYE`);
    } finally {
      await peer.stop();
    }
  }
});

test("outbound: the far end answers and later sends BYE → user_hangup", { timeout: 60_000 }, async () => {
  const peer = await startSippUas({ scenario: "answer", hangUpAfterMs: 500 });
  try {
    const call = await dialThrough(peer.port);
    assert.equal(call.call_status, "ended");
    assert.equal(call.disconnection_reason, "user_hangup");
    assert.ok(call.disconnection_detail?.timestamps.answered && call.disconnection_detail.timestamps.bye);
    assert.equal((await peer.done).exitCode, 0);
  } finally {
    await peer.stop();
  }
});

test("outbound: no response at all → telephony_provider_unavailable (Timer B)", { timeout: 60_000 }, async () => {
  const peer = await startSippUas({ scenario: "no-answer", holdMs: 20_000 });
  try {
    const call = await dialThrough(peer.port);
    assert.equal(call.disconnection_reason, "telephony_provider_unavailable");
    assert.equal(call.disconnection_detail?.sub_reason, "upstream_no_response");
  } finally {
    await peer.stop();
  }
});

test("outbound: ringing past the ring timer → CANCEL → dial_no_answer", { timeout: 60_000 }, async () => {
  const peer = await startSippUas({ scenario: "ring-forever" });
  try {
    const call = await dialThrough(peer.port);
    assert.equal(call.disconnection_reason, "dial_no_answer");
    assert.equal(call.disconnection_detail?.sub_reason, "ring_timeout");
    assert.equal(call.disconnection_detail?.sip?.code, 487);
    assert.ok(call.disconnection_detail?.timestamps.ringing, "the 180 was seen");
  } finally {
    await peer.stop();
  }
});

test("outbound: stop-call while ringing → CANCEL → manual_stopped", { timeout: 60_000 }, async () => {
  const peer = await startSippUas({ scenario: "ring-forever" });
  try {
    const number = `+1415555${String(1000 + n++).padStart(4, "0")}`;
    await client.phoneNumber.import({ phone_number: number, termination_uri: `127.0.0.1:${peer.port}`, transport: "UDP", outbound_agents: [{ agent_id: agentId, weight: 1 }] } as never);
    const created = await client.call.createPhoneCall({ from_number: number, to_number: "+14155550123" });
    await waitFor("ringing", async () => Boolean(((await client.call.retrieve(created.call_id)) as Call).disconnection_detail?.timestamps?.ringing) || p.parley.calls.live(created.call_id)?.record.timestamps.ringing !== undefined, 10_000);
    await client.call.stop(created.call_id);
    const call = (await client.call.retrieve(created.call_id)) as Call;
    assert.equal(call.disconnection_reason, "manual_stopped");
    assert.match(peer.messages(), /CANCEL sip:/, "Parley sent CANCEL");
  } finally {
    await peer.stop();
  }
});

test("outbound: an answered call over TCP, then stop-call → BYE → manual_stopped; the SIP ladder is in the log", { timeout: 60_000 }, async () => {
  const peer = await startSippUas({ scenario: "answer", transport: "tcp" });
  try {
    const number = `+1415555${String(1000 + n++).padStart(4, "0")}`;
    await client.phoneNumber.import({ phone_number: number, termination_uri: `127.0.0.1:${peer.port}`, transport: "TCP", outbound_agents: [{ agent_id: agentId, weight: 1 }] } as never);
    const created = await client.call.createPhoneCall({ from_number: number, to_number: "+14155550123" });
    await waitFor("connected", async () => (await client.call.retrieve(created.call_id)).call_status === "ongoing", 10_000);
    await client.call.stop(created.call_id);
    const call = (await client.call.retrieve(created.call_id)) as Call;
    assert.equal(call.call_status, "ended");
    assert.equal(call.disconnection_reason, "manual_stopped");
    const log = (await (await fetch(String(call.public_log_url))).json()) as { events: { type: string; data: { summary?: string } }[] };
    const ladder = log.events.filter((e) => e.type === "sip.in" || e.type === "sip.out").map((e) => `${e.type} ${e.data.summary?.split(" ")[0]}`);
    for (const step of ["sip.out INVITE", "sip.in 100", "sip.in 180", "sip.in 200", "sip.out ACK", "sip.out BYE", "sip.in 200"]) assert.ok(ladder.includes(step), `${step} in ${ladder.join(", ")}`);
    assert.equal((await peer.done).exitCode, 0);
  } finally {
    await peer.stop();
  }
});

test("outbound: an invalid E.164 destination sends no INVITE", { timeout: 30_000 }, async () => {
  const peer = await startSippUas({ code: 486, phrase: "Busy Here" });
  try {
    const call = await dialThrough(peer.port, undefined, "UDP", "+1 415 555");
    assert.equal(call.disconnection_reason, "invalid_destination");
    assert.doesNotMatch(peer.messages(), /INVITE/);
  } finally {
    await peer.stop();
  }
});
