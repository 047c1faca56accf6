import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Retell from "retell-sdk";
import { holdingDialer, startTestParley, type TestParley } from "../helpers/parley.js";

let p: TestParley;
let client: Retell;

before(async () => {
  p = await startTestParley({ dialer: holdingDialer });
  client = new Retell({ apiKey: p.apiKey, baseURL: p.url, maxRetries: 0 });
});
after(async () => p.close());

const engine = { type: "custom-llm" as const, llm_websocket_url: "ws://127.0.0.1:9/llm" };

test("agents: create, get, update, list, versions, publish, delete through retell-sdk", async () => {
  const a = await client.agent.create({ response_engine: engine, voice_id: "espeak-en-us-female", agent_name: "Front desk" });
  assert.match(a.agent_id, /^agent_[0-9a-f]{26}$/);
  assert.equal(a.version, 0);
  assert.equal(a.agent_name, "Front desk");
  const got = await client.agent.retrieve(a.agent_id);
  assert.equal(got.voice_id, "espeak-en-us-female");
  const upd = await client.agent.update(a.agent_id, { agent_name: "Reception", max_call_duration_ms: 120_000 });
  assert.equal(upd.agent_name, "Reception");
  assert.equal(upd.max_call_duration_ms, 120_000);
  assert.equal(upd.version, 0);
  await client.agent.publish(a.agent_id, { version: 0 } as never);
  const draft = await client.agent.update(a.agent_id, { agent_name: "Reception v2" });
  assert.equal(draft.version, 1, "a published version is frozen; the update becomes version 1");
  assert.equal((await client.agent.retrieve(a.agent_id, { version: 0 })).agent_name, "Reception");
  const versions = await client.agent.getVersions(a.agent_id);
  assert.deepEqual(versions.map((v) => v.version).sort(), [0, 1]);
  const list = await client.agent.list();
  const ids = (Array.isArray(list) ? list : (list as { items: { agent_id: string }[] }).items).map((x) => x.agent_id);
  assert.ok(ids.includes(a.agent_id));
  await client.agent.delete(a.agent_id);
  await assert.rejects(client.agent.retrieve(a.agent_id), (e: { status?: number }) => e.status === 404);
});

test("phone numbers: import a SIP trunk, read it back without the password, update, delete and re-import", async () => {
  const agent = await client.agent.create({ response_engine: engine, voice_id: "espeak-en-us-male" });
  const n = await client.phoneNumber.import({
    phone_number: "+14155550100",
    termination_uri: "127.0.0.1:5070",
    sip_trunk_auth_username: "alice",
    sip_trunk_auth_password: "s3cret-pass",
    transport: "UDP",
    outbound_agents: [{ agent_id: agent.agent_id, weight: 1 }],
  } as never);
  assert.equal(n.phone_number, "+14155550100");
  assert.equal(n.phone_number_type, "custom");
  assert.ok(!JSON.stringify(n).includes("s3cret-pass"), "the password is never returned");
  const got = await client.phoneNumber.retrieve("+14155550100");
  assert.equal((got as unknown as { sip_outbound_trunk_config: { transport: string } }).sip_outbound_trunk_config.transport, "UDP");
  const upd = await client.phoneNumber.update("+14155550100", { nickname: "main line" } as never);
  assert.equal(upd.nickname, "main line");
  await assert.rejects(
    client.phoneNumber.import({ phone_number: "+14155550100", termination_uri: "x.example" } as never),
    (e: { status?: number }) => e.status === 409,
  );
  await client.phoneNumber.delete("+14155550100");
  await assert.rejects(client.phoneNumber.retrieve("+14155550100"), (e: { status?: number }) => e.status === 404);
  const again = await client.phoneNumber.import({ phone_number: "+14155550100", termination_uri: "127.0.0.1:5070" } as never);
  assert.equal(again.phone_number, "+14155550100");
  await client.phoneNumber.delete("+14155550100");
});

test("calls: create, get, list with filters, update, stop, concurrency, delete", async () => {
  const agent = await client.agent.create({ response_engine: engine, voice_id: "espeak-en-us-male" });
  await client.phoneNumber.import({ phone_number: "+14155550101", termination_uri: "127.0.0.1:5070", outbound_agents: [{ agent_id: agent.agent_id, weight: 1 }] } as never);
  const call = await client.call.createPhoneCall({ from_number: "+14155550101", to_number: "+14155550123", metadata: { crm: "42" } });
  assert.equal(call.call_status, "registered");
  assert.equal(call.direction, "outbound");
  assert.equal(call.agent_id, agent.agent_id);
  assert.equal((await client.concurrency.retrieve()).current_concurrency, 1);

  const bad = await client.call.createPhoneCall({ from_number: "+14155550101", to_number: "+1 415 555" });
  assert.equal(bad.call_status, "not_connected");
  assert.equal(bad.disconnection_reason, "invalid_destination");
  assert.equal((await client.concurrency.retrieve()).current_concurrency, 1, "a refused call takes no slot");

  const updated = await client.call.update(call.call_id, { metadata: { crm: "43" } });
  assert.deepEqual(updated.metadata, { crm: "43" });
  await assert.rejects(client.call.update(call.call_id, { data_storage_setting: "everything" } as never).then(() => client.call.update(call.call_id, { data_storage_setting: "basic_attributes_only" } as never)).then(() => client.call.update(call.call_id, { data_storage_setting: "everything" } as never)),
    (e: { status?: number }) => e.status === 400, "data storage cannot be loosened");

  await client.call.stop(call.call_id);
  const stopped = await client.call.retrieve(call.call_id);
  assert.equal(stopped.call_status, "ended");
  assert.equal(stopped.disconnection_reason, "manual_stopped");
  const detail = (stopped as unknown as { disconnection_detail: { fault: string; remedy: string; phase: string } }).disconnection_detail;
  assert.equal(detail.fault, "operator");
  assert.equal(detail.phase, "dialing");
  assert.equal((await client.concurrency.retrieve()).current_concurrency, 0, "the lease is released at the end");

  const list = await client.call.list({ filter_criteria: { disconnection_reason: { type: "enum", op: "in", value: ["invalid_destination"] } } } as never);
  const items = (list as unknown as { items: { call_id: string }[] }).items;
  assert.deepEqual(items.map((c) => c.call_id), [bad.call_id]);

  await client.call.delete(bad.call_id);
  await assert.rejects(client.call.retrieve(bad.call_id), (e: { status?: number }) => e.status === 404);
});

test("web and registered calls come back with their tokens and statuses", async () => {
  const agent = await client.agent.create({ response_engine: engine, voice_id: "espeak-en-us-male" });
  const web = await client.call.createWebCall({ agent_id: agent.agent_id });
  assert.ok(web.call_id.startsWith("call_"));
  assert.ok(typeof web.access_token === "string" && web.access_token.length >= 32);
  const reg = await client.call.registerPhoneCall({ agent_id: agent.agent_id, from_number: "+14155550111", to_number: "+14155550112" });
  assert.equal(reg.call_status, "registered");
  await client.call.stop(web.call_id);
  await client.call.stop(reg.call_id);
});

test("voices: list and get; unknown voice is 404", async () => {
  const voices = await client.voice.list();
  assert.ok(voices.some((v) => v.voice_id === "espeak-en-us-male"));
  assert.equal((await client.voice.retrieve("espeak-en-gb-female")).gender, "female");
  await assert.rejects(client.voice.retrieve("nope"), (e: { status?: number }) => e.status === 404);
});

test("a wrong key is 401", async () => {
  const other = new Retell({ apiKey: "key_wrong_000000000000", baseURL: p.url, maxRetries: 0 });
  await assert.rejects(other.agent.list(), (e: { status?: number }) => e.status === 401);
});
