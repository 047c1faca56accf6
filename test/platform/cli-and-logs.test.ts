import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Writable } from "node:stream";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/app/config.js";
import { createLogger } from "../../src/app/logger.js";
import { startParley, type RunningParley } from "../../src/app/parley.js";
import { holdingDialer } from "../helpers/parley.js";

const run = promisify(execFile);
const KEY = "key_cli_logs_0123456789abcdef";
const PASSWORD = "trunk-pass-d41d8cd98f";
let parley: RunningParley;
let logged = "";
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "parley-cli-"));
  const config = loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_HTTP_PORT: "0", PARLEY_API_KEY: KEY, PARLEY_LOG_LEVEL: "trace", PARLEY_NODE_ID: "cli-node" });
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { logged += chunk.toString(); cb(); } });
  parley = await startParley(config, { logger: createLogger("trace", sink), dialer: holdingDialer });
});
after(async () => {
  await parley.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(parley.url + path, { method, headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const t = await r.text();
  return t ? (JSON.parse(t) as Record<string, unknown>) : {};
}

test("`parley calls explain` prints the reason, its meaning, the evidence and the remedy; `calls list` shows the call", async () => {
  const agent = await api("POST", "/create-agent", { response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
  await api("POST", "/import-phone-number", { phone_number: "+14155550170", termination_uri: "127.0.0.1:5070", sip_trunk_auth_username: "bob", sip_trunk_auth_password: PASSWORD, outbound_agents: [{ agent_id: agent.agent_id, weight: 1 }] });
  const call = await api("POST", "/v2/create-phone-call", { from_number: "+14155550170", to_number: "12345" });
  assert.equal(call.disconnection_reason, "invalid_destination");
  const env = { ...process.env, PARLEY_URL: parley.url, PARLEY_API_KEY: KEY, NO_COLOR: "1" };
  const explain = await run(process.execPath, ["bin/parley.mjs", "calls", "explain", String(call.call_id)], { env });
  assert.match(explain.stdout, /Reason\s+invalid_destination/);
  assert.match(explain.stdout, /Meaning\s+The destination number is not valid/);
  assert.match(explain.stdout, /"12345" is not E\.164/);
  assert.match(explain.stdout, /Remedy\s+Fix the number/);
  const list = await run(process.execPath, ["bin/parley.mjs", "calls", "list", "--reason", "invalid_destination"], { env });
  assert.match(list.stdout, new RegExp(String(call.call_id)));
  const bad = await run(process.execPath, ["bin/parley.mjs", "calls", "explain", "call_missing"], { env }).catch((e: { code: number; stderr: string }) => e);
  assert.equal((bad as { code: number }).code, 1);
  assert.match((bad as { stderr: string }).stderr, /404: call call_missing not found/);
});

test("the call's public_log_url serves its detailed log without a key, and a tampered link is refused", async () => {
  const agent = await api("POST", "/create-agent", { response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
  const call = await api("POST", "/v2/register-phone-call", { agent_id: agent.agent_id });
  await api("POST", `/v2/stop-call/${String(call.call_id)}`);
  const ended = await api("GET", `/v2/get-call/${String(call.call_id)}`);
  const url = String(ended.public_log_url);
  const log = (await (await fetch(url)).json()) as { events: { type: string; data: Record<string, unknown> }[] };
  const types = log.events.map((e) => e.type);
  assert.deepEqual([types[0], types.at(-1)], ["call.created", "call.end"]);
  assert.ok(types.includes("timer.set"));
  assert.equal(log.events.at(-1)?.data.reason, "manual_stopped");
  assert.equal((await fetch(url.replace(/sig=[^&]+/, "sig=AAAA"))).status, 403);
});

test("secrets never reach the log: API keys and trunk passwords stay out at trace level", () => {
  assert.ok(logged.length > 0, "something was logged");
  assert.ok(!logged.includes(KEY), "API key leaked to the log");
  assert.ok(!logged.includes(PASSWORD), "trunk password leaked to the log");
});
