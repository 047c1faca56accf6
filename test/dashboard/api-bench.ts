/**
 * How fast the dashboard's data endpoints answer on a big workspace (not a test: prints a table).
 * Run: node --import tsx test/dashboard/api-bench.ts [calls=20000] [rounds=5]
 * Belongs in bench/ once that folder's owner takes it; kept here because the dashboard owns it.
 */
import { applyEnd, callEnd, newId, type CallRecord } from "../../src/core/index.js";
import { startTestParley } from "../helpers/parley.js";
import { apiOf } from "./api.js";

const calls = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 5);
const REASONS = ["user_hangup", "dial_busy", "dial_no_answer", "marked_as_spam", "agent_hangup"] as const;

const p = await startTestParley();
try {
  const ws = p.parley.defaultWorkspace.id;
  const now = Date.now();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const reason = REASONS[i % REASONS.length]!;
    const r: CallRecord = {
      callId: newId("call_"), workspaceId: ws, callType: "phone_call", direction: "outbound", agentId: "agent_bench", agentVersion: 0,
      callStatus: "registered", dataStorageSetting: "everything", startTimestamp: now - i * 1000, timestamps: {},
      fromNumber: `+1415555${String(i % 50).padStart(4, "0")}`, toNumber: `+1650555${String(i % 10_000).padStart(4, "0")}`,
    };
    const inCall = reason === "user_hangup" || reason === "agent_hangup";
    await p.parley.store.calls.insert(applyEnd(r, callEnd(reason, { phase: inCall ? "in_call" : "dialing", message: "bench", at: r.startTimestamp + 500 })));
  }
  console.log(`seeded ${calls} calls into SQLite in ${Math.round(performance.now() - t0)} ms`);
  const api = apiOf(() => p);
  const cases: [string, string, unknown][] = [
    ["list-calls, 50 + total", "/v3/list-calls", { limit: 50, include_total: true }],
    ["call-stats, no filter", "/parley/v1/dashboard/call-stats", {}],
    ["call-stats, one reason", "/parley/v1/dashboard/call-stats", { filter_criteria: { disconnection_reason: { type: "enum", op: "in", value: ["dial_busy"] } } }],
    ["search, a to-number (2 hits)", "/parley/v1/dashboard/search-calls", { query: "6505559999" }],
    ["search, no match", "/parley/v1/dashboard/search-calls", { query: "nomatch" }],
  ];
  const rows: { endpoint: string; median_ms: number; max_ms: number }[] = [];
  for (const [name, path, body] of cases) {
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      const res = await api("POST", path, body);
      if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    rows.push({ endpoint: name, median_ms: Math.round(times[Math.floor(times.length / 2)]!), max_ms: Math.round(times[times.length - 1]!) });
  }
  console.table(rows);
} finally {
  await p.close();
}
