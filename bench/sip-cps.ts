/**
 * Inbound calls per second: SIPp's UAC (INVITE → 200 → ACK → BYE, UDP) against Parley pinned to
 * CPU 0 — media on its ports but no conversation, every call stored with its reason — and, in the
 * same run, against a bare UAS on the `sip` npm package. Also outbound attempts per second
 * (Parley dialing a SIPp UAS that answers 486). Uses bench/sip-cps/cps.sh (the ladder).
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { freePort } from "../test/helpers/net.js";

const here = new URL(".", import.meta.url).pathname;
const RATES = process.env.CPS_RATES ?? "400 800 1200 1600 1800 2000 2400 2800 3200 3600 4000 4400 4800 5600 6400 7200 8000 9600";

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("timed out");
}

function ladder(port: number, label: string, pid: number, service?: string): { sustained: number; lines: string } {
  let out: string;
  try {
    out = runLadder(port, label, pid, service);
  } catch (err) {
    // cps.sh exits 1 when even the first step fails; its table is still the result.
    out = String((err as { stdout?: string }).stdout ?? err);
  }
  const sustained = Number(/(\d+) calls\/s sustained/.exec(out)?.[1] ?? 0);
  return { sustained, lines: out };
}

function runLadder(port: number, label: string, pid: number, service?: string): string {
  return execFileSync("bash", [join(here, "sip-cps/cps.sh"), "127.0.0.1", String(port), label], {
    env: { ...process.env, CPS_RATES: RATES, CPS_SECONDS: process.env.CPS_SECONDS ?? "4", CPS_TARGET_PID: String(pid), ...(service ? { CPS_SERVICE: service } : {}) },
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  await once(child, "exit");
}

/** Runs the ladder against Parley and the bare `sip` UAS and prints both and their ratio. */
export async function runSipCpsBench(): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), "parley-cps-"));
  const key = "key_bench_0123456789abcdef";
  const http = await freePort();
  const sip = await freePort();
  const parley = spawn("taskset", ["-c", "0", process.execPath, "bin/parley.mjs", "serve"], {
    env: {
      ...process.env, PARLEY_DATA_DIR: data, PARLEY_HTTP_PORT: String(http), PARLEY_SIP_PORT: String(sip), PARLEY_SIP_HOST: "127.0.0.1",
      PARLEY_API_KEY: key, PARLEY_LOG_LEVEL: "warn", PARLEY_SIP_INVITE_RATE: "1000000", PARLEY_CONCURRENCY_LIMIT: "100000", PARLEY_MEDIA: "off",
    },
    stdio: "ignore",
  });
  const results: [string, number][] = [];
  try {
    const url = `http://127.0.0.1:${http}`;
    await until(async () => (await fetch(url + "/health")).ok, 60_000);
    const post = async (path: string, body: unknown) =>
      (await (await fetch(url + path, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;
    const agent = await post("/create-agent", { response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
    await post("/import-phone-number", { phone_number: "+15550001234", termination_uri: "127.0.0.1:9", transport: "UDP", inbound_agents: [{ agent_id: agent.agent_id, weight: 1 }] });
    const p = ladder(sip, "parley", parley.pid!, "+15550001234");
    console.log(p.lines);
    results.push(["Parley (stores every call)", p.sustained]);
    const list = await post("/v3/list-calls", { limit: 1, include_total: true, filter_criteria: { disconnection_reason: { type: "enum", op: "in", value: ["user_hangup"] } } });
    console.log(`calls stored with reason user_hangup: ${String(list.total)}`);
  } finally {
    await stop(parley);
    rmSync(data, { recursive: true, force: true });
  }
  const npmPort = await freePort();
  // The same 4 MB receive buffer Parley's UDP listener asks for: without it the peer drops datagrams
  // on its socket long before its CPU is full, which would flatter the ratio.
  const bare = spawn("taskset", ["-c", "0", process.execPath, join(here, "sip-cps/sip-npm-uas.mjs"), "--ip", "127.0.0.1", "--port", String(npmPort), "--rcvbuf", String(4 * 1024 * 1024)], { stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const b = ladder(npmPort, "sip-npm", bare.pid!);
    console.log(b.lines);
    results.push(["bare `sip` npm UAS", b.sustained]);
  } finally {
    await stop(bare);
  }
  const [parleyCps, bareCps] = [results[0]?.[1] ?? 0, results[1]?.[1] ?? 0];
  console.log("\n| UAS (pinned to CPU 0) | inbound calls/s sustained |\n|---|---|");
  for (const [name, cps] of results) console.log(`| ${name} | ${cps} |`);
  console.log(`| ratio Parley / bare | ${bareCps > 0 ? (parleyCps / bareCps).toFixed(2) : "n/a"} (goal ≥ 0.5) |`);
}

if (import.meta.url === `file://${process.argv[1]}`) await runSipCpsBench();
