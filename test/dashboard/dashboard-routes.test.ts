import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { layoutLadder } from "../../dashboard/src/ladder.js";
import { callerNumbers, summarise } from "../../src/api/routes/dashboard.js";
import { startTestParley, type TestParley } from "../helpers/parley.js";
import { apiOf } from "./api.js";
import { ensureDashboardBuilt } from "./browser.js";
import { BURNED_NUMBER, PLANS, seedCalls, type SeededCall } from "./seed.js";

let p: TestParley;
let seeded: SeededCall[];
const api = apiOf(() => p);


before(async () => {
  await ensureDashboardBuilt();
  p = await startTestParley();
  const agent = await api("POST", "/create-agent", { agent_name: "Seeder", response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
  seeded = await seedCalls(p, String(agent.json.agent_id), "Seeder");
});
after(async () => p?.close());

test("the shell and its assets are public; the data endpoints are not", async () => {
  const res = await fetch(p.url + "/");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  const html = await res.text();
  assert.match(html, /<div id="root">/);
  const asset = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(asset, "the shell names its script under /dashboard/assets/");
  const js = await fetch(p.url + asset);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type") ?? "", /javascript/);
  assert.equal((await fetch(p.url + "/dashboard")).status, 200);
  assert.equal((await fetch(p.url + "/dashboard/assets/nope.js")).status, 404);
  // The shell is only served uncached at / and /dashboard, never as a cacheable static file.
  assert.equal((await fetch(p.url + "/dashboard/index.html")).status, 404);
  assert.equal((await api("POST", "/parley/v1/dashboard/call-stats", {}, "")).status, 401);
  assert.equal((await api("POST", "/parley/v1/dashboard/search-calls", { query: "x" }, "wrong")).status, 401);
});

test("without a build, / says how to build the dashboard", async () => {
  const empty = mkdtempSync(join(tmpdir(), "parley-nodash-"));
  process.env.PARLEY_DASHBOARD_DIR = empty;
  const q = await startTestParley().finally(() => delete process.env.PARLEY_DASHBOARD_DIR);
  try {
    const res = await fetch(q.url + "/");
    assert.equal(res.status, 200);
    assert.match(await res.text(), /npm run build:dashboard/);
  } finally {
    await q.close();
    rmSync(empty, { recursive: true, force: true });
  }
});

test("call-stats counts every status and reason, and the buckets add up", async () => {
  const { status, json } = await api("POST", "/parley/v1/dashboard/call-stats", { bucket_count: 12 });
  assert.equal(status, 200);
  const byStatus = json.by_status as Record<string, number>;
  for (const s of ["registered", "ongoing", "ended", "not_connected", "error"]) {
    assert.equal(byStatus[s], seeded.filter((c) => c.status === s).length, s);
    assert.ok((byStatus[s] ?? 0) > 0, `seed has a ${s} call`);
  }
  const byReason = json.by_reason as Record<string, number>;
  assert.equal(byReason.dial_busy, 2);
  assert.equal(byReason.user_hangup, 3);
  const buckets = json.buckets as { counts: Record<string, number> }[];
  assert.ok(buckets.length >= 1 && buckets.length <= 13, `bucket count ${buckets.length}`);
  const sum = buckets.reduce((a, b) => a + Object.values(b.counts).reduce((x, n) => x + n, 0), 0);
  assert.equal(sum, seeded.length);
  assert.equal(json.scanned, seeded.length);
  assert.equal(json.truncated, false);
  const callers = json.caller_numbers as { number: string; total: number; connected: number; marked_as_spam: number; user_declined: number; busy_or_no_answer: number }[];
  assert.deepEqual(callers[0], { number: BURNED_NUMBER, total: 3, connected: 0, marked_as_spam: 1, user_declined: 1, busy_or_no_answer: 1, provider_failed: 0 });
  const outbound = seeded.filter((c) => c.fromNumber !== undefined).length - 1; // one seeded call is inbound
  assert.equal(callers.reduce((a, c) => a + c.total, 0), outbound);
});

test("callerNumbers counts outbound calls only, answered ones by the answer, busiest first", () => {
  const base = { workspaceId: "w", callType: "phone_call" as const, agentId: "a", agentVersion: 0, dataStorageSetting: "everything" as const, startTimestamp: 0 };
  const rows = callerNumbers([
    { ...base, callId: "1", direction: "outbound", fromNumber: "+1", callStatus: "ended", disconnectionReason: "user_hangup", timestamps: { answered: 5 } },
    { ...base, callId: "2", direction: "outbound", fromNumber: "+1", callStatus: "ended", disconnectionReason: "manual_stopped", timestamps: {}, endDetail: { phase: "dialing", fault: "operator", message: "" } },
    { ...base, callId: "3", direction: "outbound", fromNumber: "+1", callStatus: "not_connected", disconnectionReason: "dial_failed", timestamps: {} },
    { ...base, callId: "4", direction: "outbound", fromNumber: "+2", callStatus: "not_connected", disconnectionReason: "marked_as_spam", timestamps: {} },
    { ...base, callId: "5", direction: "inbound", fromNumber: "+2", callStatus: "ended", disconnectionReason: "user_hangup", timestamps: { answered: 1 } },
    { ...base, callId: "6", callType: "web_call", callStatus: "ended", disconnectionReason: "user_hangup", timestamps: {} },
  ]);
  assert.deepEqual(rows, [
    { number: "+1", total: 3, connected: 1, marked_as_spam: 0, user_declined: 0, busy_or_no_answer: 0, provider_failed: 1 },
    { number: "+2", total: 1, connected: 0, marked_as_spam: 1, user_declined: 0, busy_or_no_answer: 0, provider_failed: 0 },
  ]);
});

test("call-stats takes list-calls filters and refuses bad ones with a message", async () => {
  const only = await api("POST", "/parley/v1/dashboard/call-stats", { filter_criteria: { disconnection_reason: { type: "enum", op: "in", value: ["marked_as_spam"] } } });
  assert.equal(only.status, 200);
  assert.deepEqual(only.json.by_reason, { marked_as_spam: 1 });
  const bad = await api("POST", "/parley/v1/dashboard/call-stats", { filter_criteria: { disconnection_reason: { type: "enum", op: "in", value: ["dial_bussy"] } } });
  assert.equal(bad.status, 400);
  assert.match(String(bad.json.message), /dial_bussy/);
  const junk = await api("POST", "/parley/v1/dashboard/call-stats", "{not json");
  assert.equal(junk.status, 400);
  const extra = await api("POST", "/parley/v1/dashboard/call-stats", { bucket_count: 0 });
  assert.equal(extra.status, 400);
});

test("search-calls finds a call by either number or its id, and pages without repeats", async () => {
  const target = seeded.find((c) => c.reason === "marked_as_spam")!;
  const byTo = await api("POST", "/parley/v1/dashboard/search-calls", { query: target.toNumber!.slice(-6) });
  assert.deepEqual((byTo.json.items as { call_id: string }[]).map((c) => c.call_id), [target.callId]);
  const other = seeded.find((c) => c.reason === "telephony_provider_unavailable")!;
  const byFrom = await api("POST", "/parley/v1/dashboard/search-calls", { query: other.fromNumber!.replace(/^\+1(\d{3})/, "($1) ") });
  assert.deepEqual((byFrom.json.items as { call_id: string }[]).map((c) => c.call_id), [other.callId]);
  const burned = await api("POST", "/parley/v1/dashboard/search-calls", { query: BURNED_NUMBER });
  assert.equal((burned.json.items as unknown[]).length, 3);
  const byId = await api("POST", "/parley/v1/dashboard/search-calls", { query: target.callId.slice(5, 20).toUpperCase() });
  assert.deepEqual((byId.json.items as { call_id: string }[]).map((c) => c.call_id), [target.callId]);

  const phone = seeded.filter((c) => c.fromNumber !== undefined).map((c) => c.callId);
  const seen: string[] = [];
  let key: string | undefined;
  for (let guard = 0; guard < 50; guard++) {
    const page = await api("POST", "/parley/v1/dashboard/search-calls", { query: "+1415555", limit: 4, ...(key ? { pagination_key: key } : {}) });
    assert.equal(page.status, 200);
    seen.push(...(page.json.items as { call_id: string }[]).map((c) => c.call_id));
    key = page.json.has_more ? String(page.json.pagination_key) : undefined;
    if (!key) break;
  }
  assert.equal(new Set(seen).size, seen.length, "no call twice");
  assert.deepEqual([...seen].sort(), [...phone].sort());
  const bad = await api("POST", "/parley/v1/dashboard/search-calls", { query: "x", pagination_key: "garbage" });
  assert.equal(bad.status, 400);
  assert.equal((await api("POST", "/parley/v1/dashboard/search-calls", { query: "" })).status, 400);
});

test("summarise buckets by start time and keeps live calls apart", () => {
  const base = { workspaceId: "w", callType: "phone_call" as const, agentId: "a", agentVersion: 0, dataStorageSetting: "everything" as const, timestamps: {} };
  const s = summarise([
    { ...base, callId: "1", callStatus: "ended", disconnectionReason: "user_hangup", startTimestamp: 0 },
    { ...base, callId: "2", callStatus: "ended", disconnectionReason: "user_hangup", startTimestamp: 59_000 },
    { ...base, callId: "3", callStatus: "not_connected", disconnectionReason: "dial_busy", startTimestamp: 180_000 },
    { ...base, callId: "4", callStatus: "ongoing", startTimestamp: 180_500 },
  ], 4);
  assert.deepEqual(s.by_reason, { user_hangup: 2, dial_busy: 1 });
  assert.equal(s.by_status.ongoing, 1);
  assert.deepEqual(s.buckets.map((b) => b.counts), [{ user_hangup: 2 }, {}, {}, { dial_busy: 1, in_progress: 1 }]);
  assert.deepEqual(summarise([], 4).buckets, []);
});

test("search-calls keeps the other filters, and finds nothing rather than everything for blank text", async () => {
  const spamOnly = await api("POST", "/parley/v1/dashboard/search-calls", {
    query: BURNED_NUMBER.slice(2),
    filter_criteria: { disconnection_reason: { type: "enum", op: "in", value: ["marked_as_spam"] } },
  });
  assert.deepEqual((spamOnly.json.items as { disconnection_reason: string }[]).map((c) => c.disconnection_reason), ["marked_as_spam"]);
  const blank = await api("POST", "/parley/v1/dashboard/search-calls", { query: "   " });
  assert.equal(blank.status, 200);
  assert.deepEqual(blank.json.items, []);
  assert.equal(blank.json.has_more, false);
});

test("the ladder puts Parley first and draws every SIP message of the call in order", async () => {
  const target = seeded.find((c) => c.reason === "telephony_provider_permission_denied")!;
  const log = await api("GET", `/parley/v1/call-log/${target.callId}`);
  const ladder = layoutLadder(log.json.events as never);
  assert.deepEqual(ladder.columns.map((c) => [c.address, c.parley]), [["127.0.0.1:5060", true], ["127.0.0.2:5070", false]]);
  const plan = PLANS.find((x) => x.reason === "telephony_provider_permission_denied")!;
  assert.deepEqual(ladder.arrows.map((a) => a.summary), plan.ladder!.map(([, s]) => s));
  assert.deepEqual(ladder.arrows.map((a) => a.failure), [false, true, false, false, true, false]);
  assert.deepEqual(ladder.arrows.map((a) => [a.from, a.to]), [[0, 1], [1, 0], [0, 1], [0, 1], [1, 0], [0, 1]]);
  // Malformed SIP data is skipped, not drawn.
  const odd = layoutLadder([{ tMs: 0, at: 0, type: "sip.in", data: { summary: "x" } }]);
  assert.equal(odd.arrows.length, 0);
});
