import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { once } from "node:events";
import Retell from "retell-sdk";
import { runSippUac } from "../helpers/sipp.js";
import { startTestParley, type TestParley } from "../helpers/parley.js";
import { waitFor } from "../helpers/net.js";

let p: TestParley;
let client: Retell;
let sipPort: number;
let agentId: string;
let fallbackId: string;

before(async () => {
  p = await startTestParley({ env: { PARLEY_SIP_HOST: "127.0.0.1", PARLEY_SIP_T1_MS: "100", PARLEY_RTP_PORTS: "22000-22999", PARLEY_WEBHOOK_TIMEOUT_MS: "300", PARLEY_WEBHOOK_MAX_RETRIES: "1" } });
  client = new Retell({ apiKey: p.apiKey, baseURL: p.url, maxRetries: 0 });
  sipPort = p.parley.sip!.addresses.udp!.port;
  agentId = (await client.agent.create({ response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male", agent_name: "inbound" })).agent_id;
  fallbackId = (await client.agent.create({ response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male", agent_name: "fallback" })).agent_id;
});
after(async () => p.close());

type Item = { call_id: string; agent_id: string; direction: string; call_status: string; disconnection_reason?: string; from_number: string; to_number: string; metadata?: unknown; retell_llm_dynamic_variables?: Record<string, string> };

async function callsTo(number: string): Promise<Item[]> {
  const page = (await client.call.list({ filter_criteria: { to_number: { type: "string", op: "eq", value: number } } } as never)) as unknown as { items: Item[] };
  return page.items;
}

/** The call's SIP messages in log order, as "sip.in INVITE", "sip.out 200"… */
async function sipLadder(callId: string): Promise<string[]> {
  return (await p.parley.store.callEvents.list(callId))
    .filter((e) => e.type === "sip.in" || e.type === "sip.out")
    .map((e) => `${e.type} ${String(e.data.summary).split(" ")[0]}`);
}

test("inbound: a SIPp UAC calls an imported number, is answered, hangs up → user_hangup", { timeout: 60_000 }, async () => {
  await client.phoneNumber.import({ phone_number: "+14155550200", termination_uri: "127.0.0.1:5999", transport: "UDP", inbound_agents: [{ agent_id: agentId, weight: 1 }] } as never);
  const r = await runSippUac({ scenario: "call", target: { host: "127.0.0.1", port: sipPort }, service: "+14155550200", pauseMs: 300, calls: 1 } as never);
  assert.equal(r.exitCode, 0, r.stderr);
  let items: Item[] = [];
  await waitFor("the inbound call stored as ended", async () => (items = await callsTo("+14155550200")).some((c) => c.call_status === "ended"), 10_000);
  const c = items[0]!;
  assert.equal(c.direction, "inbound");
  assert.equal(c.agent_id, agentId);
  assert.equal(c.disconnection_reason, "user_hangup");
  // The INVITE came before the call existed; the log still opens with it. With no inbound webhook
  // to wait for, the 200 follows at once, without a 180 (a 100 only if the answer was slow).
  const ladder = await sipLadder(c.call_id);
  assert.deepEqual(ladder.filter((s) => s !== "sip.out 100"), ["sip.in INVITE", "sip.out 200", "sip.in ACK", "sip.in BYE", "sip.out 200"]);
});

test("inbound: an unknown number gets 404 and no call is stored", { timeout: 30_000 }, async () => {
  const r = await runSippUac({ scenario: "expect-error", code: 404, target: { host: "127.0.0.1", port: sipPort }, service: "+19995550000", calls: 1 } as never);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(await callsTo("+19995550000"), []);
});

test("inbound: the webhook's override agent and variables are used", { timeout: 60_000 }, async () => {
  const hook: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const msg = JSON.parse(body) as { event: string; call_inbound: { to_number: string } };
      assert.equal(msg.event, "call_inbound");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ call_inbound: { override_agent_id: fallbackId, dynamic_variables: { customer: "Ada" }, metadata: { crm: 7 } } }));
    });
  });
  hook.listen(0, "127.0.0.1");
  await once(hook, "listening");
  const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/inbound`;
  try {
    await client.phoneNumber.import({ phone_number: "+14155550201", termination_uri: "127.0.0.1:5999", transport: "UDP", inbound_agents: [{ agent_id: agentId, weight: 1 }], inbound_webhook_url: url } as never);
    const r = await runSippUac({ scenario: "call", target: { host: "127.0.0.1", port: sipPort }, service: "+14155550201", pauseMs: 200, calls: 1 } as never);
    assert.equal(r.exitCode, 0, r.stderr);
    let items: Item[] = [];
    await waitFor("stored as ended", async () => (items = await callsTo("+14155550201")).some((c) => c.call_status === "ended"), 10_000);
    assert.equal(items[0]!.agent_id, fallbackId);
    const full = (await client.call.retrieve(items[0]!.call_id)) as unknown as Item;
    assert.deepEqual(full.retell_llm_dynamic_variables, { customer: "Ada" });
    assert.deepEqual(full.metadata, { crm: 7 });
    // While the webhook decides, the caller hears ringing; the 180 went out before the call existed and still opens its log.
    const ladder = await sipLadder(items[0]!.call_id);
    assert.deepEqual(ladder.slice(0, 2), ["sip.in INVITE", "sip.out 180"], ladder.join(", "));
  } finally {
    hook.close();
  }
});

test("inbound: a failing webhook takes the number's fallback agent", { timeout: 60_000 }, async () => {
  await client.phoneNumber.import({ phone_number: "+14155550202", termination_uri: "127.0.0.1:5999", transport: "UDP", inbound_webhook_url: "http://127.0.0.1:9/nothing-listens", fallback_agent_id: fallbackId } as never);
  const r = await runSippUac({ scenario: "call", target: { host: "127.0.0.1", port: sipPort }, service: "+14155550202", pauseMs: 200, calls: 1 } as never);
  assert.equal(r.exitCode, 0, r.stderr);
  let items: Item[] = [];
  await waitFor("stored", async () => (items = await callsTo("+14155550202")).some((c) => c.call_status === "ended"), 10_000);
  assert.equal(items[0]!.agent_id, fallbackId);
  assert.equal(items[0]!.disconnection_reason, "user_hangup");
});

test("inbound: a failing webhook and no fallback → 503 and a stored error_inbound_webhook", { timeout: 60_000 }, async () => {
  await client.phoneNumber.import({ phone_number: "+14155550203", termination_uri: "127.0.0.1:5999", transport: "UDP", inbound_webhook_url: "http://127.0.0.1:9/nothing-listens" } as never);
  const r = await runSippUac({ scenario: "expect-error", code: 503, target: { host: "127.0.0.1", port: sipPort }, service: "+14155550203", calls: 1 } as never);
  assert.equal(r.exitCode, 0, r.stderr);
  const items = await callsTo("+14155550203");
  assert.equal(items.length, 1);
  assert.equal(items[0]!.call_status, "error");
  assert.equal(items[0]!.disconnection_reason, "error_inbound_webhook");
});

test("inbound: over the concurrency limit → 486 and a stored concurrency_limit_reached", { timeout: 60_000 }, async () => {
  await p.parley.store.workspaces.update(p.parley.defaultWorkspace.id, { concurrencyLimit: 0 });
  try {
    await client.phoneNumber.import({ phone_number: "+14155550204", termination_uri: "127.0.0.1:5999", transport: "UDP", inbound_agents: [{ agent_id: agentId, weight: 1 }] } as never);
    const r = await runSippUac({ scenario: "expect-error", code: 486, target: { host: "127.0.0.1", port: sipPort }, service: "+14155550204", calls: 1 } as never);
    assert.equal(r.exitCode, 0, r.stderr);
    const items = await callsTo("+14155550204");
    assert.equal(items[0]?.disconnection_reason, "concurrency_limit_reached");
  } finally {
    await p.parley.store.workspaces.update(p.parley.defaultWorkspace.id, { concurrencyLimit: 20 });
  }
});
