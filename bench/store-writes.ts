/**
 * What storing a call costs, without SIP: each simulated call makes the writes an inbound SIP call
 * makes (insert at admission, the connected update, then the final update with a nine-event log)
 * through the real store, `inFlight` calls at a time so group commit can share commits as it does
 * under load. Prints CPU µs per call and what share of it SQLite itself took.
 * Run: node --import tsx bench/store-writes.ts [calls] [inFlight]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { callEvent, newCallId, type CallEvent, type CallRecord } from "../src/core/index.js";
import { openStore, type Store } from "../src/store/index.js";

/** Counts CPU time spent inside better-sqlite3 statements (the rest of a call's cost is JavaScript). */
function meterSqlite(): { cpuUs: () => number } {
  let us = 0;
  const proto = Database.prototype as unknown as { prepare: (this: Database.Database, sql: string) => Database.Statement };
  const prepare = proto.prepare;
  proto.prepare = function (this: Database.Database, sql: string) {
    const st = prepare.call(this, sql) as unknown as Record<"run" | "all" | "get", (...a: unknown[]) => unknown>;
    for (const m of ["run", "all", "get"] as const) {
      const original = st[m].bind(st);
      st[m] = (...a: unknown[]) => {
        const t = process.cpuUsage();
        try {
          return original(...a);
        } finally {
          const d = process.cpuUsage(t);
          us += d.user + d.system;
        }
      };
    }
    return st as unknown as Database.Statement;
  };
  return { cpuUs: () => us };
}

function sipData(summary: string): Record<string, unknown> {
  // About the size of the messages a SIPp call logs (the raw text dominates).
  return { summary, method: "INVITE", callId: "1-2345@127.0.0.2", cseq: "1 INVITE", transport: "udp", from: "127.0.0.2:5060", to: "127.0.0.1:5070", raw: "x".repeat(550) };
}

async function oneCall(store: Store, workspaceId: string): Promise<void> {
  const now = Date.now();
  const record: CallRecord = {
    callId: newCallId(now), workspaceId, callType: "phone_call", direction: "inbound", agentId: "agent_bench", agentVersion: 0,
    callStatus: "registered", fromNumber: "+15550000001", toNumber: "+15550001234", dataStorageSetting: "everything",
    startTimestamp: now, timestamps: { invite: now }, ownerNode: "bench",
  };
  // As a CallSession writes: each update only what changed since the last, the log numbered by its writer.
  const inserted = await store.transaction((tx) => tx.calls.insert(record));
  const ongoing: CallRecord = { ...record, callStatus: "ongoing", timestamps: { ...record.timestamps, answered: now, ack: now } };
  const connected = await store.transaction((tx) => tx.calls.update(ongoing, inserted));
  const events: CallEvent[] = [
    callEvent(now, "call.created", { callType: "phone_call" }), callEvent(now, "call.admitted"), callEvent(now, "sip.in", sipData("INVITE")),
    callEvent(now, "sip.out", sipData("200 OK")), callEvent(now, "sip.in", sipData("ACK")), callEvent(now, "call.status", { status: "ongoing" }),
    callEvent(now, "sip.in", sipData("BYE")), callEvent(now, "call.end", { reason: "user_hangup", phase: "in_call" }), callEvent(now, "sip.out", sipData("200 OK")),
  ];
  const ended: CallRecord = { ...ongoing, callStatus: "ended", disconnectionReason: "user_hangup", endTimestamp: now + 1, durationMs: 1 };
  await store.transaction(async (tx) => {
    await tx.calls.update(ended, connected);
    await tx.callEvents.append(record.callId, events, 1);
  });
}

/** Runs `calls` simulated calls, `inFlight` at a time, and prints the table. */
export async function runStoreWritesBench(calls = 20_000, inFlight = 16): Promise<void> {
  const meter = meterSqlite();
  const dir = mkdtempSync(join(tmpdir(), "parley-store-writes-"));
  const store = await openStore({ kind: "sqlite", path: join(dir, "parley.db"), secretKey: randomBytes(32) });
  try {
    const ws = await store.workspaces.create({ name: "bench" });
    for (let i = 0; i < 500; i++) await oneCall(store, ws.id);
    const sqlite0 = meter.cpuUs();
    const t0 = process.cpuUsage();
    for (let i = 0; i < calls; i += inFlight) await Promise.all(Array.from({ length: Math.min(inFlight, calls - i) }, () => oneCall(store, ws.id)));
    const cpu = process.cpuUsage(t0);
    const perCall = (cpu.user + cpu.system) / calls;
    const inSqlite = (meter.cpuUs() - sqlite0) / calls;
    console.log("| calls | in flight | CPU µs per call | of which in SQLite | kernel share |\n|---|---|---|---|---|");
    console.log(`| ${calls} | ${inFlight} | ${perCall.toFixed(0)} | ${inSqlite.toFixed(0)} | ${((100 * cpu.system) / (cpu.user + cpu.system)).toFixed(0)} % |`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runStoreWritesBench(Number(process.argv[2] ?? 20_000), Number(process.argv[3] ?? 16));
}
