import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verify } from "retell-sdk";
import { freePort, spawnParley, waitFor } from "../helpers/net.js";

const KEY = "key_crash_test_0123456789abcdef";

test("webhook receiver down, Parley SIGKILLed mid-delivery: after restart every call_ended arrives signed", { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "parley-crash-"));
  const hookPort = await freePort();
  const httpPort = await freePort();
  const env = { PARLEY_DATA_DIR: dataDir, PARLEY_API_KEY: KEY, PARLEY_NODE_ID: "crash-node", PARLEY_WEBHOOK_TIMEOUT_MS: "1500", PARLEY_WEBHOOK_MAX_RETRIES: "20" };
  const api = async (url: string, method: string, path: string, body?: unknown) => {
    const r = await fetch(url + path, { method, headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const t = await r.text();
    return t ? (JSON.parse(t) as Record<string, unknown>) : {};
  };

  let parley = await spawnParley(env, httpPort);
  try {
    const agent = await api(parley.url, "POST", "/create-agent", {
      response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" },
      voice_id: "espeak-en-us-male",
      webhook_url: `http://127.0.0.1:${hookPort}/hook`,
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(String((await api(parley.url, "POST", "/v2/create-web-call", { agent_id: agent.agent_id })).call_id));
    // Three calls end while the receiver is down (connection refused); two stay live.
    for (const id of ids.slice(0, 3)) await api(parley.url, "POST", `/v2/stop-call/${id}`);

    // Now the receiver accepts but never answers: Parley is mid-delivery when it is killed.
    const hanging: ServerResponse[] = [];
    const receiver = createServer((_req: IncomingMessage, res: ServerResponse) => hanging.push(res));
    receiver.listen(hookPort, "127.0.0.1");
    await once(receiver, "listening");
    await waitFor("a delivery in flight", () => hanging.length > 0, 30_000);
    parley.child.kill("SIGKILL");
    await once(parley.child, "exit");
    for (const res of hanging) res.destroy();
    await new Promise<void>((r) => receiver.close(() => r()));

    // The receiver comes back healthy, verifying every signature with the official SDK.
    const got = new Map<string, { reason: string; valid: boolean }>();
    const healthy = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        void (async () => {
          const sig = String(req.headers["x-retell-signature"] ?? "");
          const valid = await verify(body, KEY, sig);
          const msg = JSON.parse(body) as { event: string; call: { call_id: string; disconnection_reason: string } };
          if (msg.event === "call_ended") got.set(msg.call.call_id, { reason: msg.call.disconnection_reason, valid });
          res.writeHead(204).end();
        })();
      });
    });
    healthy.listen(hookPort, "127.0.0.1");
    await once(healthy, "listening");
    try {
      parley = await spawnParley(env, httpPort);
      await waitFor("all five call_ended webhooks", () => ids.every((id) => got.has(id)), 60_000);
      for (const id of ids.slice(0, 3)) assert.deepEqual(got.get(id), { reason: "manual_stopped", valid: true });
      for (const id of ids.slice(3)) assert.deepEqual(got.get(id), { reason: "error_retell", valid: true }, "calls live at the crash end with error_retell");
      const swept = await api(parley.url, "GET", `/v2/get-call/${ids[4]}`);
      assert.equal(swept.call_status, "error");
      assert.match(String((swept.disconnection_detail as { message: string }).message), /restarted/);
    } finally {
      await new Promise<void>((r) => healthy.close(() => r()));
    }
  } finally {
    parley.child.kill("SIGTERM");
    if (parley.child.exitCode === null) await once(parley.child, "exit");
    rmSync(dataDir, { recursive: true, force: true });
  }
});
