import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { freePort, spawnParley, type ParleyProcess } from "../helpers/net.js";
import { scratchDatabase } from "../helpers/pg.js";

const KEY = "key_two_nodes_0123456789abcdef";
const REDIS = process.env.PARLEY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

test("two Parley nodes sharing PostgreSQL and Redis, limit 20, 200 concurrent create-phone-call: exactly 20 admitted", { timeout: 180_000 }, async () => {
  const db = await scratchDatabase();
  // The trunk: a UDP port that swallows INVITEs, so admitted calls stay dialing (Timer B) while counted.
  const trunk = createSocket("udp4");
  await new Promise<void>((r) => trunk.bind(0, "127.0.0.1", () => r()));
  const trunkPort = trunk.address().port;
  const dirs = [mkdtempSync(join(tmpdir(), "parley-n1-")), mkdtempSync(join(tmpdir(), "parley-n2-"))];
  const secret = randomBytes(32).toString("hex");
  const prefix = `parley-test-${randomBytes(4).toString("hex")}:`;
  const nodes: ParleyProcess[] = [];
  try {
    for (const [i, dir] of dirs.entries()) {
      nodes.push(
        await spawnParley(
          {
            PARLEY_DATA_DIR: dir!,
            PARLEY_DATABASE_URL: db.url,
            PARLEY_REDIS_URL: REDIS,
            PARLEY_REDIS_PREFIX: prefix,
            PARLEY_SECRET_KEY: secret,
            PARLEY_API_KEY: KEY,
            PARLEY_NODE_ID: `node-${i + 1}`,
            PARLEY_CONCURRENCY_LIMIT: "20",
            PARLEY_SIP_HOST: "127.0.0.1",
            PARLEY_SIP_PORT: "0",
            PARLEY_RTP_PORTS: i === 0 ? "26000-26499" : "26500-26999",
          },
          await freePort(),
        ),
      );
    }
    const post = async (url: string, path: string, body: unknown) => {
      const r = await fetch(url + path, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as Record<string, unknown> };
    };
    const agent = await post(nodes[0]!.url, "/create-agent", { response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
    const number = await post(nodes[0]!.url, "/import-phone-number", { phone_number: "+14155558800", termination_uri: `127.0.0.1:${trunkPort}`, transport: "UDP", outbound_agents: [{ agent_id: agent.json.agent_id, weight: 1 }] });
    assert.equal(number.status, 201);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => post(nodes[i % 2]!.url, "/v2/create-phone-call", { from_number: "+14155558800", to_number: `+1415555${String(1000 + i)}` })),
    );
    const admitted = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(admitted.length, 20, "exactly the limit is admitted across both nodes");
    assert.equal(refused.length, 180);
    // Every refused call is stored with its reason, visible from either node.
    const list = await post(nodes[1]!.url, "/v3/list-calls", { limit: 1000, filter_criteria: { disconnection_reason: { type: "enum", op: "in", value: ["concurrency_limit_reached"] } }, include_total: true });
    assert.equal(list.json.total, 180);
    const ongoing = await post(nodes[0]!.url, "/v3/list-calls", { limit: 1000, filter_criteria: { call_status: { type: "enum", op: "in", value: ["registered"] } }, include_total: true });
    assert.equal(ongoing.json.total, 20);
    const conc = (await (await fetch(nodes[1]!.url + "/get-concurrency", { headers: { authorization: `Bearer ${KEY}` } })).json()) as { current_concurrency: number };
    assert.equal(conc.current_concurrency, 20);
  } finally {
    for (const n of nodes) {
      n.child.kill("SIGTERM");
      if (n.child.exitCode === null) await once(n.child, "exit");
    }
    trunk.close();
    await db.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
