/**
 * Store benchmark: fills a fresh SQLite store with a month of calls (1,000,000 by default), then
 * times get-call and list-calls (v3 shape) through the repositories and prints p50/p99 against
 * the goals. Run: node --import tsx bench/store.ts [rows]
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CallRecord } from "../src/core/call-record.js";
import { DISCONNECTION_REASONS, reasonInfo, type DisconnectionReason } from "../src/core/reasons.js";
import { callToRow } from "../src/store/call-row.js";
import { openSqlite } from "../src/store/dialect.js";
import { openStore, type CallListQuery, type Store } from "../src/store/index.js";
import { mulberry32 as prng } from "../src/core/prng.js";

const DAY_MS = 86_400_000;
const BATCH = 20_000;
const SAMPLES = 3_000;


/** Rough real-world mix: most calls end normally, a fifth never connect, a few error. */
const REASON_WEIGHTS: Partial<Record<DisconnectionReason, number>> = {
  user_hangup: 400, agent_hangup: 250, dial_no_answer: 100, voicemail_reached: 50, dial_busy: 40,
  call_transfer: 30, inactivity: 20, invalid_destination: 15, user_declined: 12, max_duration_reached: 8,
  telephony_provider_unavailable: 8, marked_as_spam: 6, error_llm_websocket_open: 5, dial_failed: 5,
};

function reasonPicker(rnd: () => number): () => DisconnectionReason {
  const table = DISCONNECTION_REASONS.map((r) => [r, REASON_WEIGHTS[r] ?? 1] as const);
  const total = table.reduce((s, [, w]) => s + w, 0);
  return () => {
    let x = rnd() * total;
    for (const [r, w] of table) if ((x -= w) < 0) return r;
    return "error_unknown";
  };
}

function hex(rnd: () => number, n: number): string {
  let s = "";
  while (s.length < n) s += Math.floor(rnd() * 0x100000000).toString(16).padStart(8, "0");
  return s.slice(0, n);
}

interface Fill {
  workspaceId: string;
  startMs: number;
  endMs: number;
  callIds: string[];
}

/** Bulk fill: prepared statement, one transaction per batch, rows made by the store's own mapper. */
async function fill(path: string, rows: number, workspaceId: string): Promise<Fill> {
  const rnd = prng(42);
  const pick = reasonPicker(rnd);
  const endMs = Date.UTC(2026, 10, 1);
  const startMs = endMs - 30 * DAY_MS;
  const agents = Array.from({ length: 10 }, () => `agent_${hex(rnd, 26)}`);
  const froms = Array.from({ length: 8 }, (_, i) => `+1415555${String(100 + i).padStart(4, "0")}`);
  const callIds: string[] = [];
  const db = openSqlite(path);
  // A bulk load: keep the index B-trees in memory and skip per-commit syncs (the file is scratch).
  db.pragma("cache_size = -1048576");
  db.pragma("synchronous = OFF");
  // Secondary indexes are dropped for the load and rebuilt after: building an index by sorting is
  // far cheaper than a million random inserts into six B-trees. Their DDL is taken from the schema.
  const indexes = db.prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = 'calls' and sql is not null").all() as { name: string; sql: string }[];
  for (const ix of indexes) db.exec(`drop index "${ix.name}"`);
  const cols = Object.keys(callToRow(sample(workspaceId))) as (keyof ReturnType<typeof callToRow>)[];
  const insert = db.prepare(`insert into calls (${cols.join(", ")}) values (${cols.map(() => "?").join(", ")})`);
  const batch = db.transaction((records: CallRecord[]) => {
    for (const r of records) {
      const row = callToRow(r);
      insert.run(cols.map((c) => row[c]));
    }
  });
  for (let done = 0; done < rows; done += BATCH) {
    const records: CallRecord[] = [];
    for (let i = done; i < Math.min(rows, done + BATCH); i++) {
      // Spread over the month in order, with jitter, like calls arriving over time.
      const start = Math.floor(startMs + ((i + rnd()) / rows) * (endMs - startMs));
      const unfinished = rnd() < 0.001;
      const reason = pick();
      const callId = `call_${hex(rnd, 27)}`;
      const phone = rnd() < 0.85;
      const r: CallRecord = {
        callId,
        workspaceId,
        callType: phone ? "phone_call" : "web_call",
        agentId: agents[Math.floor(rnd() * agents.length)] ?? "agent_x",
        agentVersion: Math.floor(rnd() * 4),
        callStatus: unfinished ? (rnd() < 0.5 ? "ongoing" : "registered") : reasonInfo(reason).callStatus,
        dataStorageSetting: "everything",
        startTimestamp: start,
        timestamps: { invite: start },
        metadata: { campaign: `c${Math.floor(rnd() * 20)}`, lead_id: hex(rnd, 10) },
        dynamicVariables: { customer_name: `Customer ${Math.floor(rnd() * 5000)}` },
      };
      if (phone) {
        r.direction = rnd() < 0.7 ? "outbound" : "inbound";
        r.fromNumber = froms[Math.floor(rnd() * froms.length)] ?? "+14155550100";
        r.toNumber = `+1650${String(Math.floor(rnd() * 1e7)).padStart(7, "0")}`;
      }
      if (!unfinished) {
        const info = reasonInfo(reason);
        const duration = info.callStatus === "ended" ? Math.floor(rnd() * 600_000) : 0;
        r.disconnectionReason = reason;
        r.endTimestamp = start + duration;
        r.durationMs = duration;
        r.endDetail = { phase: info.phases[info.phases.length - 1] ?? "in_call", fault: info.fault, message: info.meaning };
      }
      records.push(r);
      if (i % 97 === 0) callIds.push(callId);
    }
    batch(records);
  }
  for (const ix of indexes) db.exec(ix.sql);
  db.pragma("optimize");
  db.exec("analyze");
  db.close();
  return { workspaceId, startMs, endMs, callIds };
}

function sample(workspaceId: string): CallRecord {
  return { callId: "x", workspaceId, callType: "web_call", agentId: "a", agentVersion: 0, callStatus: "ended", dataStorageSetting: "everything", startTimestamp: 0, timestamps: {} };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Row {
  name: string;
  samples: number;
  p50: number;
  p99: number;
  /** Process CPU time per sample: unlike wall time, barely moved by other load on the machine. */
  cpuP50: number;
  cpuP99: number;
  goal: string;
  ok: boolean;
}

/** Times `run` over SAMPLES calls after a warm-up. */
async function measure(name: string, goalP99: number, run: (i: number) => Promise<unknown>): Promise<Row> {
  for (let i = 0; i < 50; i++) await run(i); // warm the page cache and statement cache
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    await run(i);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    const used = process.cpuUsage(c);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const p99 = percentile(times, 99);
  return { name, samples: SAMPLES, p50: percentile(times, 50), p99, cpuP50: percentile(cpuTimes, 50), cpuP99: percentile(cpuTimes, 99), goal: `p99 < ${goalP99} ms`, ok: p99 < goalP99 };
}

function printTable(rows: Row[]): void {
  const head = ["operation", "samples", "p50 ms", "p99 ms", "cpu p50 ms", "cpu p99 ms", "goal", "met"];
  const body = rows.map((r) => [r.name, String(r.samples), r.p50.toFixed(3), r.p99.toFixed(3), r.cpuP50.toFixed(3), r.cpuP99.toFixed(3), r.goal, r.ok ? "yes" : "NO"]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
  const [load1] = loadavg();
  console.log(`load average ${load1?.toFixed(1)} on ${availableParallelism()} CPUs (wall-clock percentiles include waiting for a CPU; the cpu columns do not)`);
}

/** Fills a fresh SQLite store and prints get/list latency percentiles. */
export async function runStoreBench(opts: { rows?: number } = {}): Promise<void> {
  const rows = opts.rows ?? 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), "parley-bench-store-"));
  const path = join(dir, "parley.db");
  let store: Store | undefined;
  try {
    const setup = await openStore({ kind: "sqlite", path, secretKey: randomBytes(32) });
    const ws = await setup.workspaces.create({ name: "bench" });
    await setup.close();

    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const filled = await fill(path, rows, ws.id);
    const fillSec = (Date.now() - t0) / 1000;
    const fillCpu = process.cpuUsage(cpu0);
    const sizeMb = statSync(path).size / 1e6;
    console.log(`filled ${rows.toLocaleString("en")} calls in ${fillSec.toFixed(1)} s (${Math.round(rows / fillSec).toLocaleString("en")} rows/s, ${sizeMb.toFixed(0)} MB; ${((fillCpu.user + fillCpu.system) / 1e6).toFixed(1)} s CPU)`);

    store = await openStore({ kind: "sqlite", path, secretKey: randomBytes(32) });
    const s = store;
    const rnd = prng(7);
    const ids = filled.callIds;
    const reasonSets: DisconnectionReason[][] = [
      ["dial_busy", "dial_no_answer", "user_declined"],
      ["error_llm_websocket_open", "error_llm_websocket_lost_connection", "error_no_audio_received"],
      ["user_hangup", "agent_hangup"],
      ["telephony_provider_unavailable", "telephony_provider_permission_denied", "sip_routing_error", "marked_as_spam"],
    ];
    const v3Query = (i: number): CallListQuery => {
      const lo = filled.startMs + Math.floor(rnd() * 23 * DAY_MS);
      return {
        filters: [
          { kind: "in", field: "disconnection_reason", values: reasonSets[i % reasonSets.length] ?? [] },
          { kind: "range", field: "start_timestamp", lo, hi: lo + 7 * DAY_MS },
        ],
        sortOrder: "descending",
        limit: 50,
        omitTranscripts: true,
      };
    };
    const results: Row[] = [];
    results.push(
      await measure("get-call (random id)", 2, async () => {
        const id = ids[Math.floor(rnd() * ids.length)] ?? "";
        if (!(await s.calls.get(filled.workspaceId, id))) throw new Error(`call ${id} missing`);
      }),
    );
    results.push(await measure("list v3: reason in [..] & start 7-day range, 50, desc", 20, (i) => s.calls.list(filled.workspaceId, v3Query(i))));
    // Second pages: the first pages are fetched beforehand, so only the cursor query is timed.
    const secondPages: CallListQuery[] = [];
    for (let i = 0; secondPages.length < SAMPLES + 50 && i < 10 * SAMPLES; i++) {
      const q = v3Query(i);
      const first = await s.calls.list(filled.workspaceId, q);
      if (first.paginationKey) secondPages.push({ ...q, paginationKey: first.paginationKey });
    }
    results.push(await measure("list v3: same, second page by cursor", 20, (i) => s.calls.list(filled.workspaceId, secondPages[i % secondPages.length] ?? v3Query(i))));
    results.push(await measure("list v3: no filter, 50, desc", 20, () => s.calls.list(filled.workspaceId, { filters: [], sortOrder: "descending", limit: 50, omitTranscripts: true })));
    printTable(results);
  } finally {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  await runStoreBench(rows === undefined ? {} : { rows });
}
