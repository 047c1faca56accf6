import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { holdingDialer, startTestParley, type TestParley } from "../helpers/parley.js";

let p: TestParley;
let agentId: string;
let callId: string;

async function api(method: string, path: string, body?: unknown, key = p.apiKey): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const res = await fetch(p.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** A snapshot of everything stored, to prove a rejected request changed nothing. */
async function snapshot(): Promise<string> {
  const s = p.parley.store;
  const ws = p.parley.defaultWorkspace.id;
  const agents = await s.agents.listLatest(ws, { limit: 1000, sortOrder: "ascending" });
  const numbers = await s.phoneNumbers.list(ws, { limit: 1000, sortOrder: "ascending" });
  const calls = await s.calls.list(ws, { filters: [], sortOrder: "ascending", limit: 1000 });
  return JSON.stringify([agents.items, numbers.items, calls.items.map((c) => ({ ...c, ownerNode: undefined }))]);
}

before(async () => {
  p = await startTestParley({ dialer: holdingDialer });
  const a = await api("POST", "/create-agent", { response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
  agentId = String(a.json?.agent_id);
  await api("POST", "/import-phone-number", { phone_number: "+14155550150", termination_uri: "127.0.0.1:5070", outbound_agents: [{ agent_id: agentId, weight: 1 }] });
  const c = await api("POST", "/v2/create-phone-call", { from_number: "+14155550150", to_number: "+14155550151" });
  callId = String(c.json?.call_id);
});
after(async () => p.close());

const engine = { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" };

// [route, body, status, field the message must name]
const CASES: [string, string, unknown, number, string][] = [
  ["POST", "/create-agent", {}, 400, "response_engine"],
  ["POST", "/create-agent", { response_engine: engine }, 400, "voice_id"],
  ["POST", "/create-agent", { response_engine: { type: "custom-llm" }, voice_id: "espeak-en-us-male" }, 400, "response_engine"],
  ["POST", "/create-agent", { response_engine: engine, voice_id: 7 }, 400, "voice_id"],
  ["POST", "/create-agent", { response_engine: engine, voice_id: "espeak-en-us-male", max_call_duration_ms: 10 }, 400, "max_call_duration_ms"],
  ["POST", "/create-agent", { response_engine: engine, voice_id: "espeak-en-us-male", end_call_after_silence_ms: 5 }, 400, "end_call_after_silence_ms"],
  ["POST", "/create-agent", { response_engine: engine, voice_id: "espeak-en-us-male", webhook_url: "ftp://x" }, 400, "webhook_url"],
  ["POST", "/create-agent", { response_engine: engine, voice_id: "espeak-en-us-male", transfer_mode: "hot" }, 400, "transfer_mode"],
  ["POST", "/create-agent", "{not json", 400, "JSON"],
  ["POST", "/create-agent", [], 400, "body"],
  ["PATCH", "/update-agent/AGENT", { voice_speed: "fast" }, 400, "voice_speed"],
  ["PATCH", "/update-agent/AGENT", { ring_duration_ms: 1 }, 400, "ring_duration_ms"],
  ["GET", "/get-agent/AGENT?version=abc", undefined, 400, "version"],
  ["POST", "/publish-agent-version/AGENT", { version: "zero" }, 400, "version"],
  ["POST", "/create-agent-version/AGENT", { base_version: -1 }, 400, "base_version"],
  ["POST", "/v2/list-agents?limit=0", undefined, 400, "limit"],
  ["POST", "/import-phone-number", {}, 400, "phone_number"],
  ["POST", "/import-phone-number", { phone_number: "+14155550160" }, 400, "termination_uri"],
  ["POST", "/import-phone-number", { phone_number: "+14155550160", termination_uri: "x.example", transport: "SCTP" }, 400, "transport"],
  ["POST", "/import-phone-number", { phone_number: "+14155550160", termination_uri: "x.example", outbound_agents: [{ agent_id: "agent_missing", weight: 1 }] }, 400, "outbound_agents"],
  ["POST", "/import-phone-number", { phone_number: "+14155550160", termination_uri: "x.example", outbound_agents: [{ agent_id: "AGENT", weight: 0.5 }] }, 400, "outbound_agents"],
  ["POST", "/import-phone-number", { phone_number: "+14155550160", termination_uri: "bad uri with spaces" }, 400, "termination_uri"],
  ["POST", "/import-phone-number", { phone_number: "+14155550160", termination_uri: "x.example", allowed_inbound_ips: ["not-an-ip"] }, 400, "allowed_inbound_ips"],
  ["POST", "/import-phone-number", { phone_number: "+14155550160", termination_uri: "x.example", extra: 1 }, 400, "extra"],
  ["POST", "/create-phone-number", { area_code: 12 }, 400, "area_code"],
  ["PATCH", "/update-phone-number/+14155550150", { transport: 5 }, 400, "transport"],
  ["PATCH", "/update-phone-number/+14155550150", { inbound_webhook_url: "nope" }, 400, "inbound_webhook_url"],
  ["POST", "/v2/create-phone-call", {}, 400, "from_number"],
  ["POST", "/v2/create-phone-call", { from_number: "+14155550150" }, 400, "to_number"],
  ["POST", "/v2/create-phone-call", { from_number: "+14155550150", to_number: 14155550151 }, 400, "to_number"],
  ["POST", "/v2/create-phone-call", { from_number: "+14155550150", to_number: "+14155550151", retell_llm_dynamic_variables: { a: 1 } }, 400, "retell_llm_dynamic_variables"],
  ["POST", "/v2/create-phone-call", { from_number: "+14155550150", to_number: "+14155550151", custom_sip_headers: "X-A: 1" }, 400, "custom_sip_headers"],
  ["POST", "/v2/create-phone-call", { from_number: "+14155550150", to_number: "+14155550151", override_agent_id: "agent_missing" }, 404, "agent"],
  ["POST", "/v2/create-phone-call", { from_number: "+19995550150", to_number: "+14155550151" }, 404, "from_number"],
  ["POST", "/v2/create-web-call", {}, 400, "agent_id"],
  ["POST", "/v3/create-web-call", { agent_id: "agent_missing" }, 404, "agent"],
  ["POST", "/v2/register-phone-call", { agent_id: "AGENT", direction: "sideways" }, 400, "direction"],
  ["POST", "/v3/list-calls", { limit: 0 }, 400, "limit"],
  ["POST", "/v3/list-calls", { limit: 5000 }, 400, "limit"],
  ["POST", "/v3/list-calls", { sort_order: "up" }, 400, "sort_order"],
  ["POST", "/v3/list-calls", { filter_criteria: { call_status: { type: "enum", op: "in", value: ["finished"] } } }, 400, "call_status"],
  ["POST", "/v3/list-calls", { filter_criteria: { disconnection_reason: { type: "enum", op: "in", value: ["hung_up"] } } }, 400, "disconnection_reason"],
  ["POST", "/v3/list-calls", { filter_criteria: { start_timestamp: { type: "range", op: "bt", value: [1] } } }, 400, "start_timestamp"],
  ["POST", "/v3/list-calls", { filter_criteria: { nonsense: 1 } }, 400, "nonsense"],
  ["POST", "/v3/list-calls", { pagination_key: "garbage!!" }, 400, "pagination"],
  ["POST", "/v2/list-calls", { filter_criteria: { call_status: "ended" } }, 400, "call_status"],
  ["PATCH", "/v2/update-call/CALL", { data_storage_setting: "all" }, 400, "data_storage_setting"],
  ["PATCH", "/v2/update-call/CALL", { custom_attributes: { a: [1] } }, 400, "custom_attributes"],
  ["PATCH", "/v2/update-call/CALL", { metadata: { big: "x".repeat(60_000) } }, 400, "metadata"],
  ["GET", "/v2/get-call/call_missing", undefined, 404, "call"],
  ["POST", "/v2/stop-call/call_missing", undefined, 404, "call"],
  ["DELETE", "/v2/delete-call/CALL", undefined, 400, "in progress"],
  ["DELETE", "/delete-agent/agent_missing", undefined, 404, "agent"],
  ["DELETE", "/delete-phone-number/+19995550150", undefined, 404, "phone number"],
  ["GET", "/get-voice/nope", undefined, 404, "voice"],
];

for (const [method, rawPath, body, status, field] of CASES) {
  test(`${method} ${rawPath} with ${JSON.stringify(body)?.slice(0, 80)} → ${status} naming ${field}`, async () => {
    const path = rawPath.replace("AGENT", agentId).replace("CALL", callId);
    const realBody = JSON.parse(JSON.stringify(body ?? null)?.replaceAll("AGENT", agentId) ?? "null") ?? undefined;
    const before = await snapshot();
    const r = await api(method, path, typeof body === "string" ? body : realBody);
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(r.json?.status, "error");
    assert.match(String(r.json?.message), new RegExp(field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i"));
    assert.equal(await snapshot(), before, "nothing stored changed");
  });
}

test("every route needs a key; a missing or wrong key is 401 and another workspace's objects are not found", async () => {
  for (const [method, path] of [["POST", "/create-agent"], ["GET", `/get-agent/${agentId}`], ["POST", "/v3/list-calls"], ["GET", "/get-concurrency"], ["GET", "/list-voices"]] as const) {
    const res = await fetch(p.url + path, { method });
    assert.equal(res.status, 401, `${method} ${path}`);
    assert.equal((await api(method, path, undefined, "key_wrong_0000000000")).status, 401);
  }
  const store = p.parley.store;
  const other = await store.workspaces.create({ name: "other" });
  await store.apiKeys.create(other.id, "key_other_0123456789abcdef", { name: "other", isWebhookKey: true });
  const key = "key_other_0123456789abcdef";
  assert.equal((await api("GET", `/get-agent/${agentId}`, undefined, key)).status, 404);
  assert.equal((await api("GET", `/v2/get-call/${callId}`, undefined, key)).status, 404);
  assert.equal((await api("GET", "/get-phone-number/+14155550150", undefined, key)).status, 404);
  assert.equal((await api("POST", `/v2/stop-call/${callId}`, undefined, key)).status, 404);
  const list = await api("POST", "/v3/list-calls", {}, key);
  assert.deepEqual(list.json?.items, []);
});

test("health and docs are public; the OpenAPI document lists the Retell routes", async () => {
  assert.equal((await fetch(p.url + "/health")).status, 200);
  const doc = (await (await fetch(p.url + "/openapi.json")).json()) as { paths: Record<string, unknown> };
  for (const path of ["/v2/create-phone-call", "/v3/list-calls", "/create-agent", "/import-phone-number", "/get-concurrency"]) assert.ok(doc.paths[path], path);
  assert.equal((await fetch(p.url + "/docs/")).status, 200);
});
