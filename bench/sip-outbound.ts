/**
 * Outbound attempts per second: Parley (its own process, pinned to CPU 0) places calls through an
 * imported trunk to a SIPp UAS that answers 486; every attempt is admitted, dialed, classified
 * (dial_busy), stored and reported by a signed call_ended webhook, which is how the bench learns
 * that an attempt is over (polling get-call would measure the API instead). Prints attempts/s and
 * the create → call_ended latency.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { freePort } from "../test/helpers/net.js";
import { createServer as createHttpServer } from "node:http";
import { startSippUas } from "../test/helpers/sipp.js";

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

/** Runs `total` outbound attempts, `parallel` at a time, and prints the table. */
export async function runSipOutboundBench(total = Number(process.env.OUT_CALLS ?? 3000), parallel = Number(process.env.OUT_PARALLEL ?? 50)): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), "parley-out-"));
  const key = "key_bench_out_0123456789abcdef";
  const http = await freePort();
  const peer = await startSippUas({ code: 486, phrase: "Busy Here", calls: total + 10, timeoutMs: 600_000 } as never);
  const parley = spawn("taskset", ["-c", "0", process.execPath, ...(process.env.PARLEY_NODE_FLAGS ?? "").split(" ").filter(Boolean), "bin/parley.mjs", "serve"], {
    env: { ...process.env, PARLEY_DATA_DIR: data, PARLEY_HTTP_PORT: String(http), PARLEY_SIP_PORT: "0", PARLEY_SIP_HOST: "127.0.0.1", PARLEY_API_KEY: key, PARLEY_LOG_LEVEL: "warn", PARLEY_CONCURRENCY_LIMIT: "100000" },
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${http}`;
  const post = async (path: string, body: unknown) =>
    (await (await fetch(url + path, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;
  try {
    for (let i = 0; i < 300; i++) {
      if (await fetch(url + "/health").then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const ended = new Map<string, (reason: string) => void>();
    const early = new Map<string, string>();
    const hooks = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(204).end();
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { event: string; call: { call_id: string; disconnection_reason?: string } };
        if (body.event !== "call_ended") return;
        const reason = body.call.disconnection_reason ?? "";
        const waiter = ended.get(body.call.call_id);
        if (waiter) waiter(reason);
        else early.set(body.call.call_id, reason);
      });
    }).listen(0, "127.0.0.1");
    await once(hooks, "listening");
    const hookUrl = `http://127.0.0.1:${(hooks.address() as { port: number }).port}/hooks`;
    const agent = await post("/create-agent", { response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male", webhook_url: hookUrl, webhook_events: ["call_ended"] });
    await post("/import-phone-number", { phone_number: "+15550009999", termination_uri: `127.0.0.1:${peer.port}`, transport: "UDP", outbound_agents: [{ agent_id: agent.agent_id, weight: 1 }] });
    const latencies: number[] = [];
    let next = 0;
    let busy = 0;
    const started = performance.now();
    async function worker(): Promise<void> {
      while (next < total) {
        next++;
        const t0 = performance.now();
        const call = await post("/v2/create-phone-call", { from_number: "+15550009999", to_number: "+14155550123" });
        const id = String(call.call_id);
        const reason = early.get(id) ?? (await new Promise<string>((resolve) => ended.set(id, resolve)));
        ended.delete(id);
        early.delete(id);
        if (reason === "dial_busy") busy++;
        latencies.push(performance.now() - t0);
      }
    }
    await Promise.all(Array.from({ length: parallel }, worker));
    const seconds = (performance.now() - started) / 1000;
    hooks.close();
    console.log("| outbound attempts | parallel | attempts/s | dial_busy stored | create→call_ended p50 ms | p99 ms |\n|---|---|---|---|---|---|");
    console.log(`| ${total} | ${parallel} | ${(total / seconds).toFixed(0)} | ${busy} | ${pct(latencies, 50).toFixed(1)} | ${pct(latencies, 99).toFixed(1)} |`);
  } finally {
    parley.kill("SIGTERM");
    await once(parley, "exit");
    await peer.stop();
    rmSync(data, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runSipOutboundBench();
