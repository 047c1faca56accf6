/**
 * One repository suite, run against SQLite (a temp file) and PostgreSQL (a scratch database made
 * for this run and dropped after). PostgreSQL being unreachable fails the run unless
 * PARLEY_TEST_SKIP_PG=1.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import type { CallEvent } from "../core/call-event.js";
import type { CallRecord } from "../core/call-record.js";
import { DISCONNECTION_REASONS, type CallStatus } from "../core/reasons.js";
import { callPageKey, openStore, StoreError, type CallFilter, type OpenStoreOptions, type Store } from "./index.js";
import { mulberry32 as prng } from "../core/prng.js";

const SECRET = randomBytes(32);
const T0 = 1_790_000_000_000;

interface Harness {
  readonly name: "sqlite" | "postgres";
  readonly skip: boolean;
  /** Options for a store on this run's database. */
  options(): OpenStoreOptions;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** Reads rows straight from the database, bypassing the store. */
  raw(query: string, params: unknown[]): Promise<Record<string, unknown>[]>;
}

function sqliteHarness(): Harness {
  let dir = "";
  let conn: Database.Database | undefined;
  return {
    name: "sqlite",
    skip: false,
    options: () => ({ kind: "sqlite", path: join(dir, "parley.db"), secretKey: SECRET }),
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), "parley-store-"));
    },
    async tearDown() {
      conn?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    async raw(query, params) {
      conn ??= new Database(join(dir, "parley.db"), { readonly: true });
      return conn.prepare(query.replace(/\$\d+/g, "?")).all(...params) as Record<string, unknown>[];
    },
  };
}

function pgHarness(): Harness {
  const base = (process.env.PARLEY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432").replace(/\/+$/, "");
  const dbName = `parley_test_${randomBytes(6).toString("hex")}`;
  let created = false;
  let conn: pg.Client | undefined;
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: `${base}/postgres`, connectionTimeoutMillis: 5000 });
    try {
      await c.connect();
    } catch (e) {
      throw new Error(`PostgreSQL at ${base} is unreachable (set PARLEY_TEST_SKIP_PG=1 to skip): ${(e as Error).message}`);
    }
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    name: "postgres",
    skip: process.env.PARLEY_TEST_SKIP_PG === "1",
    options: () => ({ kind: "postgres", url: `${base}/${dbName}`, secretKey: SECRET, poolSize: 4 }),
    async setUp() {
      await admin((c) => c.query(`create database ${dbName}`));
      created = true;
    },
    async tearDown() {
      await conn?.end();
      if (created) await admin((c) => c.query(`drop database if exists ${dbName} with (force)`));
    },
    async raw(query, params) {
      if (!conn) {
        conn = new pg.Client({ connectionString: `${base}/${dbName}`, connectionTimeoutMillis: 5000 });
        await conn.connect();
      }
      return (await conn.query(query, params)).rows as Record<string, unknown>[];
    },
  };
}


function hexId(prefix: string, rnd: () => number): string {
  let s = prefix;
  while (s.length < 32) s += Math.floor(rnd() * 16).toString(16);
  return s;
}

/** A record with every CallRecord field set. */
function fullRecord(workspaceId: string, callId: string): CallRecord {
  return {
    callId,
    workspaceId,
    callType: "phone_call",
    direction: "outbound",
    agentId: "agent_full",
    agentVersion: 3,
    agentName: "Full agent",
    callStatus: "not_connected",
    fromNumber: "+14155550100",
    toNumber: "+14155550123",
    metadata: { order: 42, nested: { list: [1, "two", null, true] }, empty: {} },
    dynamicVariables: { customer_name: "Ada", "x-header": "1" },
    collectedDynamicVariables: { answer: "yes" },
    customSipHeaders: { "X-Campaign": "spring" },
    customAttributes: { priority: 2, vip: true, region: "eu" },
    dataStorageSetting: "everything_except_pii",
    accessToken: "tok_abc",
    ownerNode: "node-a",
    startTimestamp: T0,
    endTimestamp: T0 + 4_321,
    durationMs: 4_321,
    disconnectionReason: "dial_busy",
    endDetail: {
      phase: "dialing",
      fault: "callee",
      message: "486 Busy Here from the trunk",
      subReason: "busy_here",
      sipCode: 486,
      sipPhrase: "Busy Here",
      sipReasonHeader: 'Q.850;cause=17;text="User busy"',
      sipCarrierHeaders: { "X-Twilio-Error": "13224" },
    },
    timestamps: { invite: T0, firstProvisional: T0 + 40, ringing: T0 + 900, bye: T0 + 4_321 },
    transcript: "Agent: hi\nUser: hello",
    transcriptObject: [{ role: "agent", content: "hi", words: [{ word: "hi", start: 0.1, end: 0.3 }] }],
    transcriptWithToolCalls: [{ role: "tool_call_invocation", tool_call_id: "t1", name: "lookup", arguments: "{}" }],
    latency: { e2e: { p50: 800, p90: 1200, values: [700, 800, 1300] } },
    callAnalysis: { call_summary: "short", in_voicemail: false },
    recordingPath: "rec/a.wav",
    recordingMultiChannelPath: "rec/a-mc.wav",
    pcapPath: "pcap/a.pcap",
    transferDestination: "sip:desk@example.com;transport=tls",
    telephonyIdentifier: { twilio_call_sid: "CA123" },
  };
}

/** Calls with varied fields and many equal start times, to exercise filters and tie-breaking. */
function listCalls(workspaceId: string, n: number): CallRecord[] {
  const rnd = prng(7);
  const statuses: CallStatus[] = ["registered", "ongoing", "ended", "not_connected", "error"];
  const reasons = ["user_hangup", "agent_hangup", "dial_busy", "dial_no_answer", "error_llm_websocket_open", "inactivity"] as const;
  const froms = ["+14155550100", "+14155550199", "+442071838750", undefined];
  const out: CallRecord[] = [];
  for (let i = 0; i < n; i++) {
    const status = statuses[Math.floor(rnd() * statuses.length)] ?? "ended";
    const start = T0 + Math.floor(rnd() * 60) * 1000;
    const from = froms[Math.floor(rnd() * froms.length)];
    const r: CallRecord = {
      callId: hexId("call_", rnd),
      workspaceId,
      callType: from === undefined ? "web_call" : "phone_call",
      agentId: ["agent_a", "agent_b", "agent_c"][i % 3] ?? "agent_a",
      agentVersion: Math.floor(rnd() * 3),
      callStatus: status,
      dataStorageSetting: i % 7 === 0 ? "basic_attributes_only" : "everything",
      startTimestamp: start,
      timestamps: { invite: start },
    };
    if (from !== undefined) {
      r.fromNumber = from;
      r.toNumber = `+1650555${String(1000 + (i % 50)).padStart(4, "0")}`;
      r.direction = i % 2 === 0 ? "outbound" : "inbound";
    }
    if (status !== "registered" && status !== "ongoing") {
      r.disconnectionReason = reasons[Math.floor(rnd() * reasons.length)];
      r.durationMs = Math.floor(rnd() * 300) * 1000;
      r.endTimestamp = start + r.durationMs;
    }
    if (i % 5 !== 0) r.metadata = { tier: i % 2 === 0 ? "gold" : "silver", n: i % 5, flag: i % 3 === 0 };
    if (i % 4 !== 0) r.dynamicVariables = { customer: `c${i % 4}` };
    if (i % 10 === 0) r.transcript = `Agent: call ${i}`;
    out.push(r);
  }
  return out;
}

/** What a metadata/dynamic_variables key reads as in a filter. */
function keyedText(source: unknown, key: string): string | undefined {
  if (typeof source !== "object" || source === null || Array.isArray(source)) return undefined;
  const v = (source as Record<string, unknown>)[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
}

function matchString(v: string | undefined, op: string, want: string): boolean {
  if (op === "ne") return v !== want;
  if (v === undefined) return false;
  return op === "eq" ? v === want : op === "sw" ? v.startsWith(want) : op === "ew" ? v.endsWith(want) : v.includes(want);
}

const FIELD: Record<string, keyof CallRecord> = {
  call_id: "callId",
  call_status: "callStatus",
  call_type: "callType",
  direction: "direction",
  disconnection_reason: "disconnectionReason",
  data_storage_setting: "dataStorageSetting",
  from_number: "fromNumber",
  to_number: "toNumber",
  start_timestamp: "startTimestamp",
  end_timestamp: "endTimestamp",
  duration_ms: "durationMs",
};

/** The reference model of one filter, written independently of the SQL. */
function matches(r: CallRecord, f: CallFilter): boolean {
  switch (f.kind) {
    case "in":
      return f.values.includes(String(r[FIELD[f.field] ?? "callId"]));
    case "agent":
      return f.agents.some((a) => a.agentId === r.agentId && (a.versions === undefined || a.versions.includes(r.agentVersion)));
    case "string":
      return matchString(r[FIELD[f.field] ?? "callId"] as string | undefined, f.op, f.value);
    case "number": {
      const v = r[FIELD[f.field] ?? "startTimestamp"] as number | undefined;
      if (f.op === "ne") return v !== f.value;
      if (v === undefined) return false;
      return { eq: v === f.value, gt: v > f.value, ge: v >= f.value, lt: v < f.value, le: v <= f.value }[f.op];
    }
    case "range": {
      const v = r[FIELD[f.field] ?? "startTimestamp"] as number | undefined;
      return v !== undefined && (f.lo === undefined || v >= f.lo) && (f.hi === undefined || v <= f.hi);
    }
    case "keyed":
      return matchString(keyedText(f.source === "metadata" ? r.metadata : r.dynamicVariables, f.key), f.op, f.value);
    case "keyed_in": {
      const v = keyedText(f.source === "metadata" ? r.metadata : r.dynamicVariables, f.key);
      return v !== undefined && f.values.includes(v);
    }
    case "keyed_present":
      return (keyedText(f.source === "metadata" ? r.metadata : r.dynamicVariables, f.key) !== undefined) === f.present;
  }
}

function byStart(a: CallRecord, b: CallRecord): number {
  return a.startTimestamp - b.startTimestamp || (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0);
}

async function rejectsWith(p: Promise<unknown>, code: StoreError["code"]): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof StoreError && e.code === code);
}

const harnesses = [sqliteHarness(), pgHarness()];

for (const h of harnesses) {
  describe(`store on ${h.name}`, { skip: h.skip ? "PARLEY_TEST_SKIP_PG=1" : false, timeout: 120_000 }, () => {
    let store: Store;
    before(async () => {
      await h.setUp();
      store = await openStore(h.options());
    });
    after(async () => {
      await store?.close();
      await h.tearDown();
    });

    const T = { timeout: 30_000 };

    test("migrations run twice, and a second store on the same database migrates to a no-op", T, async () => {
      await store.migrate();
      await store.migrate();
      const again = await openStore(h.options());
      try {
        await again.migrate();
        const ws = await again.workspaces.create({ name: "via second store" });
        assert.equal((await store.workspaces.get(ws.id))?.name, "via second store");
      } finally {
        await again.close();
      }
      const applied = await h.raw("select name from parley_migration", []);
      assert.deepEqual(applied.map((r) => r.name), ["0001_initial", "0002_call_event_raw"]);
    });

    test("workspaces: defaults, update, and an invalid update changes nothing", T, async () => {
      const ws = await store.workspaces.create({ name: "Acme", createdAt: T0 });
      assert.deepEqual(ws, { id: ws.id, name: "Acme", concurrencyLimit: 20, billingStatus: "active", createdAt: T0 });
      assert.deepEqual(await store.workspaces.get(ws.id), ws);
      const updated = await store.workspaces.update(ws.id, { concurrencyLimit: 5, billingStatus: "overdue", webhookUrl: "https://hooks.example/x" });
      assert.deepEqual(updated, { ...ws, concurrencyLimit: 5, billingStatus: "overdue", webhookUrl: "https://hooks.example/x" });
      await rejectsWith(store.workspaces.update(ws.id, { concurrencyLimit: -1 }), "invalid");
      await rejectsWith(store.workspaces.update(ws.id, { billingStatus: "bogus" as "active", concurrencyLimit: 9 }), "invalid");
      assert.deepEqual(await store.workspaces.get(ws.id), updated);
      const cleared = await store.workspaces.update(ws.id, { webhookUrl: null });
      assert.equal(cleared.webhookUrl, undefined);
      await rejectsWith(store.workspaces.update("ws_missing", { name: "x" }), "not_found");
      await rejectsWith(store.workspaces.create({ id: ws.id, name: "dup" }), "conflict");
      assert.ok((await store.workspaces.list()).some((w) => w.id === ws.id));
    });

    test("api keys: stored as sha256, found by plaintext, webhook key readable, revocation", T, async () => {
      const ws = await store.workspaces.create({ name: "keys" });
      const plain = `key_${randomBytes(16).toString("hex")}`;
      const hook = `key_${randomBytes(16).toString("hex")}`;
      const k1 = await store.apiKeys.create(ws.id, plain, { name: "server", isWebhookKey: false });
      await store.apiKeys.create(ws.id, hook, { name: "webhook", isWebhookKey: true });
      assert.equal(k1.keyPrefix, plain.slice(0, 8));
      assert.deepEqual(await store.apiKeys.findByPlaintext(plain), { id: k1.id, workspaceId: ws.id, name: "server", isWebhookKey: false });
      assert.equal(await store.apiKeys.findByPlaintext(`${plain}x`), undefined);
      assert.equal(await store.apiKeys.webhookSigningKey(ws.id), hook);
      const rows = await h.raw("select key_hash, secret_encrypted from api_keys where workspace_id = $1", [ws.id]);
      const hashes = rows.map((r) => r.key_hash);
      assert.ok(hashes.includes(createHash("sha256").update(plain).digest("hex")));
      for (const r of rows) {
        assert.ok(!JSON.stringify(r).includes(plain.slice(4)) && !JSON.stringify(r).includes(hook.slice(4)), "no plaintext key at rest");
      }
      assert.equal(await store.apiKeys.revoke(k1.id), true);
      assert.equal(await store.apiKeys.revoke(k1.id), false);
      assert.equal(await store.apiKeys.findByPlaintext(plain), undefined);
      const listed = await store.apiKeys.list(ws.id);
      assert.equal(listed.length, 2);
      assert.ok(listed.find((k) => k.id === k1.id)?.revokedAt !== undefined);
      await rejectsWith(store.apiKeys.create(ws.id, "short", { name: "x", isWebhookKey: false }), "invalid");
      await rejectsWith(store.apiKeys.create(ws.id, plain, { name: "again", isWebhookKey: false }), "conflict");
    });

    test("agents: versions, latest, publish, paging, isolation, deletion", T, async () => {
      const ws = await store.workspaces.create({ name: "agents" });
      const other = await store.workspaces.create({ name: "other" });
      const ids = Array.from({ length: 5 }, (_, i) => `agent_${String(i).padStart(27, "0")}`);
      for (const [i, id] of ids.entries()) {
        for (let v = 0; v <= i % 3; v++) {
          await store.agents.insertVersion({
            workspaceId: ws.id, agentId: id, version: v, agentName: `A${i}`,
            config: { voice_id: "v", response_engine: { type: "custom-llm", llm_websocket_url: `ws://127.0.0.1/${i}/${v}` } },
            isPublished: false, lastModificationTimestamp: T0 + i * 10 + v,
          });
        }
      }
      const a2 = ids[2] ?? "";
      assert.equal((await store.agents.getVersion(ws.id, a2))?.version, 2);
      assert.deepEqual((await store.agents.getVersion(ws.id, a2, 1))?.config, { voice_id: "v", response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1/2/1" } });
      assert.equal(await store.agents.getVersion(other.id, a2), undefined);
      await rejectsWith(store.agents.insertVersion({ workspaceId: ws.id, agentId: a2, version: 1, config: {}, isPublished: false, lastModificationTimestamp: T0 }), "conflict");
      await rejectsWith(store.agents.insertVersion({ workspaceId: ws.id, agentId: a2, version: 9, config: [] as unknown as Record<string, unknown>, isPublished: false, lastModificationTimestamp: T0 }), "invalid");

      const published = await store.agents.publish(ws.id, a2, 1);
      assert.equal(published.isPublished, true);
      await rejectsWith(store.agents.publish(other.id, a2, 1), "not_found");
      const v2 = await store.agents.getVersion(ws.id, a2);
      assert.ok(v2);
      await store.agents.updateVersion({ ...v2, config: { voice_id: "new" }, lastModificationTimestamp: T0 + 999 });
      assert.deepEqual((await store.agents.getVersion(ws.id, a2))?.config, { voice_id: "new" });
      await rejectsWith(store.agents.updateVersion({ ...v2, workspaceId: other.id }), "not_found");
      assert.deepEqual((await store.agents.listVersions(ws.id, a2)).map((a) => a.version), [0, 1, 2]);

      for (const sortOrder of ["ascending", "descending"] as const) {
        const seen: string[] = [];
        let key: string | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await store.agents.listLatest(ws.id, { limit: 2, sortOrder, ...(key ? { paginationKey: key } : {}) });
          for (const a of page.items) {
            seen.push(a.agentId);
            assert.equal(a.version, (await store.agents.getVersion(ws.id, a.agentId))?.version, "listLatest serves the latest version");
          }
          key = page.paginationKey;
          if (!page.hasMore) break;
        }
        // a2 was modified last, so it sorts last ascending.
        const expected = [ids[0], ids[1], ids[3], ids[4], a2];
        assert.deepEqual(seen, sortOrder === "ascending" ? expected : [...expected].reverse());
      }
      assert.equal(await store.agents.deleteVersion(ws.id, a2, 2), true);
      assert.equal((await store.agents.getVersion(ws.id, a2))?.version, 1);
      assert.equal(await store.agents.delete(ws.id, a2), true);
      assert.equal(await store.agents.delete(ws.id, a2), false);
      assert.equal(await store.agents.getVersion(ws.id, a2), undefined);
      assert.deepEqual(await store.agents.listVersions(ws.id, a2), []);
      assert.equal((await store.agents.listLatest(ws.id, { limit: 10, sortOrder: "ascending" })).items.length, 4);
      await rejectsWith(store.agents.listLatest(ws.id, { limit: 0, sortOrder: "ascending" }), "invalid");
      await rejectsWith(store.agents.listLatest(ws.id, { limit: 5, sortOrder: "ascending", paginationKey: "garbage" }), "invalid");
    });

    test("phone numbers: password encrypted at rest, inbound lookup, isolation, paging", T, async () => {
      const ws = await store.workspaces.create({ name: "numbers" });
      const other = await store.workspaces.create({ name: "other numbers" });
      const password = `pw-${randomBytes(8).toString("hex")}`;
      const number = {
        phoneNumber: `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`,
        workspaceId: ws.id,
        kind: "imported" as const,
        nickname: "main line",
        terminationUri: "trunk.example.com",
        transport: "tcp" as const,
        authUsername: "alice",
        authPassword: password,
        inboundAgents: [{ agentId: "agent_x", agentVersion: "latest", weight: 0.5 }, { agentId: "agent_y", agentVersion: 2, weight: 0.5 }],
        outboundAgents: [{ agentId: "agent_x", weight: 1 }],
        inboundWebhookUrl: "https://hooks.example/in",
        fallbackAgentId: "agent_x",
        allowedInboundCountries: ["US", "CA"],
        allowedOutboundCountries: ["US"],
        allowedInboundIps: ["127.0.0.1/32"],
        config: { fallback_number: "+14155550000" },
        createdAt: T0,
        lastModificationTimestamp: T0,
      };
      await store.phoneNumbers.insert(number);
      assert.deepEqual(await store.phoneNumbers.get(ws.id, number.phoneNumber), number);
      assert.deepEqual(await store.phoneNumbers.findByNumber(number.phoneNumber), number);
      assert.equal(await store.phoneNumbers.get(other.id, number.phoneNumber), undefined);
      const [row] = await h.raw("select auth_password_encrypted from phone_numbers where phone_number = $1", [number.phoneNumber]);
      const stored = String(row?.auth_password_encrypted);
      assert.ok(stored.length > 0 && stored !== password && !stored.includes(password), "the column holds ciphertext");
      await rejectsWith(store.phoneNumbers.insert({ ...number, workspaceId: other.id }), "conflict");

      const changed = { ...number, authPassword: "new-secret", nickname: "renamed", lastModificationTimestamp: T0 + 5 };
      assert.deepEqual(await store.phoneNumbers.update(changed), changed);
      await rejectsWith(store.phoneNumbers.update({ ...changed, workspaceId: other.id }), "not_found");
      await rejectsWith(store.phoneNumbers.update({ ...changed, transport: "sctp" as "tcp", nickname: "bad" }), "invalid");
      assert.deepEqual(await store.phoneNumbers.get(ws.id, number.phoneNumber), changed);
      const { authPassword: _pw, ...noPassword } = changed;
      await store.phoneNumbers.update(noPassword);
      assert.equal((await store.phoneNumbers.get(ws.id, number.phoneNumber))?.authPassword, undefined);

      for (let i = 0; i < 6; i++) {
        await store.phoneNumbers.insert({ phoneNumber: `+1650555${2000 + i}`, workspaceId: other.id, kind: "purchased", createdAt: T0 + (i % 3), lastModificationTimestamp: T0 });
      }
      const seen: string[] = [];
      let key: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.phoneNumbers.list(other.id, { limit: 4, sortOrder: "descending", ...(key ? { paginationKey: key } : {}) });
        seen.push(...page.items.map((n) => n.phoneNumber));
        key = page.paginationKey;
        if (!page.hasMore) break;
      }
      assert.deepEqual(seen, ["+16505552005", "+16505552002", "+16505552004", "+16505552001", "+16505552003", "+16505552000"]);
      assert.equal(await store.phoneNumbers.delete(other.id, number.phoneNumber), false);
      assert.equal(await store.phoneNumbers.delete(ws.id, number.phoneNumber), true);
      assert.equal(await store.phoneNumbers.findByNumber(number.phoneNumber), undefined);
    });

    test("calls: lossless round trip, isolation, whole-record update, delete", T, async () => {
      const ws = await store.workspaces.create({ name: "calls" });
      const other = await store.workspaces.create({ name: "other calls" });
      const record = fullRecord(ws.id, `call_${randomBytes(13).toString("hex")}`);
      await store.calls.insert(record);
      assert.deepEqual(await store.calls.get(ws.id, record.callId), record);
      assert.deepEqual(await store.calls.getById(record.callId), record);
      assert.equal(await store.calls.get(other.id, record.callId), undefined);
      await rejectsWith(store.calls.insert(record), "conflict");

      const minimal: CallRecord = {
        callId: `call_${randomBytes(13).toString("hex")}`, workspaceId: ws.id, callType: "web_call", agentId: "agent_m",
        agentVersion: 0, callStatus: "registered", dataStorageSetting: "everything", startTimestamp: T0, timestamps: {},
        metadata: null,
      };
      await store.calls.insert(minimal);
      assert.deepEqual(await store.calls.get(ws.id, minimal.callId), minimal);

      const ongoing: CallRecord = { ...minimal, callStatus: "ongoing", ownerNode: "node-b", timestamps: { answered: T0 + 10 } };
      await store.calls.update(ongoing);
      assert.deepEqual(await store.calls.get(ws.id, minimal.callId), ongoing);
      await rejectsWith(store.calls.update({ ...ongoing, callStatus: "bogus" as CallStatus, agentId: "changed" }), "invalid");
      await rejectsWith(store.calls.update({ ...ongoing, startTimestamp: Number.NaN }), "invalid");
      await rejectsWith(store.calls.update({ ...ongoing, workspaceId: other.id }), "not_found");
      await rejectsWith(store.calls.update({ ...ongoing, callId: "call_missing" }), "not_found");
      assert.deepEqual(await store.calls.get(ws.id, minimal.callId), ongoing, "rejected updates changed nothing");

      await store.callEvents.append(record.callId, [{ tMs: 0, at: T0, type: "call.created", data: {} }]);
      assert.equal(await store.calls.delete(other.id, record.callId), false);
      assert.equal(await store.calls.delete(ws.id, record.callId), true);
      assert.equal(await store.calls.getById(record.callId), undefined);
      assert.deepEqual(await store.callEvents.list(record.callId), []);
    });

    test("calls: an update given what was stored writes only the changed columns", T, async () => {
      const ws = await store.workspaces.create({ name: "diff updates" });
      const base: CallRecord = {
        callId: `call_${randomBytes(13).toString("hex")}`, workspaceId: ws.id, callType: "phone_call", agentId: "agent_d",
        agentVersion: 0, callStatus: "registered", dataStorageSetting: "everything", startTimestamp: T0, timestamps: { invite: T0 },
        metadata: { v: 1 },
      };
      const stored = await store.calls.insert(base);
      // Another writer changes metadata; ours changes only the status and timestamps, so its update must not revert metadata.
      await store.calls.update({ ...base, metadata: { v: 2 } });
      const ongoing: CallRecord = { ...base, callStatus: "ongoing", timestamps: { invite: T0, answered: T0 + 5 } };
      const after = await store.calls.update(ongoing, stored);
      assert.deepEqual(await store.calls.get(ws.id, base.callId), { ...ongoing, metadata: { v: 2 } });
      // A whole-record update (no base) does write every column.
      await store.calls.update(ongoing);
      assert.deepEqual(await store.calls.get(ws.id, base.callId), ongoing);
      // Nothing changed: nothing written, and the base carries over.
      assert.deepEqual(await store.calls.update(ongoing, after), after);
      await rejectsWith(store.calls.update({ ...ongoing, callId: "call_other" }, after), "invalid");
    });

    test("calls: unfinished sweep and status counts", T, async () => {
      const ws = await store.workspaces.create({ name: "sweep" });
      const base = { workspaceId: ws.id, callType: "web_call" as const, agentId: "a", agentVersion: 0, dataStorageSetting: "everything" as const, startTimestamp: T0, timestamps: {} };
      const node = `node-${randomBytes(4).toString("hex")}`;
      await store.calls.insert({ ...base, callId: `${node}-1`, callStatus: "ongoing", ownerNode: node });
      await store.calls.insert({ ...base, callId: `${node}-2`, callStatus: "registered", ownerNode: node });
      await store.calls.insert({ ...base, callId: `${node}-3`, callStatus: "ongoing", ownerNode: "elsewhere" });
      await store.calls.insert({ ...base, callId: `${node}-4`, callStatus: "ended", disconnectionReason: "user_hangup" });
      assert.deepEqual((await store.calls.listUnfinished({ ownerNode: node })).map((c) => c.callId), [`${node}-1`, `${node}-2`]);
      const all = (await store.calls.listUnfinished()).map((c) => c.callId);
      assert.ok(all.includes(`${node}-3`) && !all.includes(`${node}-4`));
      assert.deepEqual(await store.calls.countByStatus(ws.id), { registered: 1, ongoing: 2, ended: 1, not_connected: 0, error: 0 });
    });

    test("calls: every filter, both orders, cursor paging without gaps or repeats", { timeout: 60_000 }, async () => {
      const ws = await store.workspaces.create({ name: "listing" });
      const other = await store.workspaces.create({ name: "noise" });
      const calls = listCalls(ws.id, 240);
      await store.transaction(async (tx) => {
        for (const c of calls) await tx.calls.insert(c);
        for (const c of listCalls(other.id, 20).map((c, i) => ({ ...c, callId: `${c.callId.slice(0, 28)}n${String(i).padStart(3, "0")}` }))) await tx.calls.insert(c);
      });
      const first = calls[17]!;
      const cases: [string, CallFilter[]][] = [
        ["no filter", []],
        ["reason in", [{ kind: "in", field: "disconnection_reason", values: ["user_hangup", "dial_busy", "machine_detected"] }]],
        ["status and start range", [{ kind: "in", field: "call_status", values: ["ended", "error"] }, { kind: "range", field: "start_timestamp", lo: T0 + 10_000, hi: T0 + 40_000 }]],
        ["empty in", [{ kind: "in", field: "call_type", values: [] }]],
        ["agents with versions", [{ kind: "agent", agents: [{ agentId: "agent_a", versions: [0, 2] }, { agentId: "agent_c" }] }]],
        ["direction and storage", [{ kind: "in", field: "direction", values: ["inbound"] }, { kind: "in", field: "data_storage_setting", values: ["everything"] }]],
        ["from sw", [{ kind: "string", field: "from_number", op: "sw", value: "+1415" }]],
        ["to ew", [{ kind: "string", field: "to_number", op: "ew", value: "7" }]],
        ["from co", [{ kind: "string", field: "from_number", op: "co", value: "5550" }]],
        ["from ne", [{ kind: "string", field: "from_number", op: "ne", value: "+14155550100" }]],
        ["pattern characters are literal", [{ kind: "string", field: "from_number", op: "co", value: "_%*?[" }]],
        ["call_id eq", [{ kind: "string", field: "call_id", op: "eq", value: first.callId }]],
        ["call_id in", [{ kind: "in", field: "call_id", values: [first.callId, calls[3]!.callId] }]],
        ["duration gt", [{ kind: "number", field: "duration_ms", op: "gt", value: 150_000 }]],
        ["duration ne", [{ kind: "number", field: "duration_ms", op: "ne", value: 0 }]],
        ["end le", [{ kind: "number", field: "end_timestamp", op: "le", value: T0 + 100_000 }]],
        ["start eq", [{ kind: "number", field: "start_timestamp", op: "eq", value: first.startTimestamp }]],
        ["open range", [{ kind: "range", field: "duration_ms", lo: 100_000 }]],
        ["start gt/lt with fractions, status in", [{ kind: "number", field: "start_timestamp", op: "gt", value: T0 + 9_999.5 }, { kind: "number", field: "start_timestamp", op: "lt", value: T0 + 45_000.5 }, { kind: "in", field: "call_status", values: ["ongoing", "error", "registered"] }]],
        ["contradictory start bounds", [{ kind: "number", field: "start_timestamp", op: "ge", value: T0 + 30_000 }, { kind: "range", field: "start_timestamp", hi: T0 + 20_000 }]],
        ["start eq fraction", [{ kind: "number", field: "start_timestamp", op: "eq", value: T0 + 0.5 }]],
        ["metadata string", [{ kind: "keyed", source: "metadata", key: "tier", op: "eq", value: "gold" }]],
        ["metadata number as text", [{ kind: "keyed", source: "metadata", key: "n", op: "eq", value: "3" }]],
        ["metadata boolean as text", [{ kind: "keyed", source: "metadata", key: "flag", op: "eq", value: "true" }]],
        ["metadata in", [{ kind: "keyed_in", source: "metadata", key: "n", values: ["1", "4"] }]],
        ["metadata absent", [{ kind: "keyed_present", source: "metadata", key: "tier", present: false }]],
        ["dynamic variable", [{ kind: "keyed", source: "dynamic_variables", key: "customer", op: "eq", value: "c2" }, { kind: "keyed", source: "metadata", key: "tier", op: "ne", value: "gold" }]],
      ];
      for (const [name, filters] of cases) {
        const expected = calls.filter((c) => filters.every((f) => matches(c, f))).sort(byStart);
        for (const sortOrder of ["ascending", "descending"] as const) {
          const want = sortOrder === "ascending" ? expected : [...expected].reverse();
          const got: CallRecord[] = [];
          let key: string | undefined;
          let total: number | undefined;
          for (let pages = 0; pages < 100; pages++) {
            const page = await store.calls.list(ws.id, { filters, sortOrder, limit: 7, includeTotal: pages === 0, ...(key ? { paginationKey: key } : {}) });
            if (pages === 0) total = page.total;
            got.push(...page.items);
            assert.equal(page.hasMore, page.paginationKey !== undefined, `${name}: hasMore iff a key`);
            key = page.paginationKey;
            if (!page.hasMore) break;
          }
          assert.equal(total, expected.length, `${name}: total`);
          assert.deepEqual(got.map((c) => c.callId), want.map((c) => c.callId), `${name} ${sortOrder}`);
        }
      }
      assert.ok(cases.filter(([, f]) => calls.some((c) => f.every((x) => matches(c, x)))).length >= cases.length - 5, "the cases select rows");

      const sorted = [...calls].sort(byStart);
      const skipped = await store.calls.list(ws.id, { filters: [], sortOrder: "ascending", limit: 5, skip: 3 });
      assert.deepEqual(skipped.items.map((c) => c.callId), sorted.slice(3, 8).map((c) => c.callId));
      const reasons: CallFilter[] = [{ kind: "in", field: "disconnection_reason", values: ["user_hangup", "inactivity", "dial_busy"] }];
      const byReason = sorted.filter((c) => matches(c, reasons[0]!)).reverse();
      const skippedBranches = await store.calls.list(ws.id, { filters: reasons, sortOrder: "descending", limit: 4, skip: 6, paginationKey: callPageKey(byReason[2]!) });
      assert.deepEqual(skippedBranches.items.map((c) => c.callId), byReason.slice(9, 13).map((c) => c.callId));
      const fromKey = await store.calls.list(ws.id, { filters: [], sortOrder: "ascending", limit: 3, paginationKey: callPageKey(sorted[10]!) });
      assert.deepEqual(fromKey.items.map((c) => c.callId), sorted.slice(11, 14).map((c) => c.callId));

      const withTranscript = calls.find((c) => c.transcript !== undefined)!;
      const full = await store.calls.list(ws.id, { filters: [{ kind: "in", field: "call_id", values: [withTranscript.callId] }], sortOrder: "ascending", limit: 1 });
      assert.deepEqual(full.items, [withTranscript]);
      const lean = await store.calls.list(ws.id, { filters: [{ kind: "in", field: "call_id", values: [withTranscript.callId] }], sortOrder: "ascending", limit: 1, omitTranscripts: true });
      const { transcript: _t, ...rest } = withTranscript;
      assert.deepEqual(lean.items, [rest]);

      const bad: [string, Parameters<Store["calls"]["list"]>[1]][] = [
        ["limit 0", { filters: [], sortOrder: "ascending", limit: 0 }],
        ["limit too big", { filters: [], sortOrder: "ascending", limit: 1001 }],
        ["forged key", { filters: [], sortOrder: "ascending", limit: 5, paginationKey: "eyJ4Ijox" }],
        ["unknown field", { filters: [{ kind: "in", field: "agent_secret" as "call_id", values: ["x"] }], sortOrder: "ascending", limit: 5 }],
        ["quoted key", { filters: [{ kind: "keyed", source: "metadata", key: 'a"b', op: "eq", value: "x" }], sortOrder: "ascending", limit: 5 }],
        ["NaN", { filters: [{ kind: "number", field: "duration_ms", op: "gt", value: Number.NaN }], sortOrder: "ascending", limit: 5 }],
        ["unknown kind", { filters: [{ kind: "regex" } as unknown as CallFilter], sortOrder: "ascending", limit: 5 }],
        ["negative skip", { filters: [], sortOrder: "ascending", limit: 5, skip: -1 }],
      ];
      for (const [name, query] of bad) await rejectsWith(store.calls.list(ws.id, query), "invalid").catch((e: unknown) => assert.fail(`${name}: ${String(e)}`));
    });

    test("call events keep append order, also under concurrent appends", T, async () => {
      const callId = `call_${randomBytes(13).toString("hex")}`;
      const ev = (i: number): CallEvent => ({ tMs: i, at: T0 + i, type: "sip.in", data: { i, line: `SIP/2.0 ${100 + i}` } });
      await store.callEvents.append(callId, [ev(0), ev(1), ev(2)]);
      await store.callEvents.append(callId, [ev(3), ev(4)]);
      assert.deepEqual(await store.callEvents.list(callId), [0, 1, 2, 3, 4].map(ev));
      await Promise.all([10, 20, 30, 40].map((b) => store.callEvents.append(callId, [ev(b), ev(b + 1)])));
      const after = (await store.callEvents.list(callId)).map((e) => e.tMs);
      assert.equal(after.length, 13);
      for (const b of [10, 20, 30, 40]) assert.equal(after.indexOf(b + 1), after.indexOf(b) + 1, "a batch stays contiguous and ordered");
      assert.deepEqual(await store.callEvents.list("call_none"), []);
      await rejectsWith(store.callEvents.append(callId, [{ tMs: Number.NaN, at: 0, type: "error", data: {} }]), "invalid");
    });

    test("call events numbered by their only writer skip reading the log, and a clash is an error", T, async () => {
      const callId = `call_${randomBytes(13).toString("hex")}`;
      const ev = (i: number): CallEvent => ({ tMs: i, at: T0 + i, type: "sip.out", data: { i } });
      const next = await store.callEvents.append(callId, [ev(0), ev(1)], 1);
      assert.equal(next, 3);
      assert.equal(await store.callEvents.append(callId, [ev(2)], next), 4);
      assert.equal(await store.callEvents.append(callId, [ev(3)]), 5, "an append without numbering continues after the numbered ones");
      await assert.rejects(store.callEvents.append(callId, [ev(9)], 2), "a numbered append never renumbers on a clash");
      await rejectsWith(store.callEvents.append(callId, [ev(9)], 0), "invalid");
      assert.deepEqual(await store.callEvents.list(callId), [0, 1, 2, 3].map(ev));
    });

    test("a SIP message's bytes go to their own column and come back as data.raw, next to events logged before that column existed", T, async () => {
      const callId = `call_${randomBytes(13).toString("hex")}`;
      const text = "BYE sip:+15550001234@127.0.0.1 SIP/2.0\r\nCall-ID: réseau-1\r\n\r\n";
      await store.callEvents.append(callId, [
        { tMs: 0, at: T0, type: "sip.in", data: { summary: "BYE sip:+15550001234@127.0.0.1" }, raw: Buffer.from(text, "utf8") },
        // What 0001-era rows hold: the text inside the JSON, no bytes column.
        { tMs: 1, at: T0 + 1, type: "sip.out", data: { summary: "200 OK", raw: "SIP/2.0 200 OK\r\n\r\n" } },
      ]);
      const stored = await h.raw("select raw from call_events where call_id = $1 order by seq", [callId]);
      assert.ok(Buffer.isBuffer(stored[0]?.["raw"]), "the bytes are stored as a blob");
      assert.equal(stored[1]?.["raw"], null);
      assert.deepEqual(await store.callEvents.list(callId), [
        { tMs: 0, at: T0, type: "sip.in", data: { summary: "BYE sip:+15550001234@127.0.0.1", raw: text } },
        { tMs: 1, at: T0 + 1, type: "sip.out", data: { summary: "200 OK", raw: "SIP/2.0 200 OK\r\n\r\n" } },
      ]);
    });

    test("outbox: two concurrent claimers never share a row; leases, retries, delivery", T, async () => {
      const ws = await store.workspaces.create({ name: "outbox" });
      const callId = `call_${randomBytes(13).toString("hex")}`;
      const now = T0 + 1_000_000;
      const due: string[] = [];
      for (let i = 0; i < 30; i++) {
        const e = await store.outbox.enqueue({ workspaceId: ws.id, callId, event: "call_ended", url: "http://127.0.0.1:9/hook", payload: JSON.stringify({ i }), createdAt: now - 100 + i });
        due.push(e.id);
      }
      const later = await store.outbox.enqueue({ workspaceId: ws.id, callId, event: "call_analyzed", url: "http://127.0.0.1:9/hook", payload: "{}", createdAt: now, nextAttemptAt: now + 60_000 });
      assert.equal((await store.outbox.pending(callId)).length, 31);

      const second = await openStore(h.options());
      const claimed = new Map<string, string>();
      try {
        const claimer = async (s: Store, nodeId: string) => {
          for (let round = 0; round < 20; round++) {
            const got = await s.outbox.claimDue({ nodeId, now, limit: 4, leaseMs: 30_000 });
            if (got.length === 0) return;
            for (const e of got) {
              assert.equal(claimed.has(e.id), false, `${e.id} claimed twice`);
              claimed.set(e.id, nodeId);
              assert.equal(e.lockedBy, nodeId);
              assert.equal(e.attempts, 1);
            }
          }
        };
        await Promise.all([claimer(store, "node-1"), claimer(second, "node-2"), claimer(store, "node-3"), claimer(second, "node-4")]);
      } finally {
        await second.close();
      }
      assert.deepEqual([...claimed.keys()].sort(), [...due].sort());
      assert.equal(claimed.has(later.id), false);

      assert.deepEqual(await store.outbox.claimDue({ nodeId: "node-5", now: now + 1_000, limit: 50, leaseMs: 30_000 }), [], "leases hold");
      const reclaimed = await store.outbox.claimDue({ nodeId: "node-5", now: now + 30_000, limit: 50, leaseMs: 120_000 });
      assert.deepEqual(reclaimed.map((e) => e.id).sort(), [...due].sort(), "expired leases are claimable again");
      assert.equal(reclaimed[0]?.payload, JSON.stringify({ i: 0 }), "claims come oldest first with the exact payload");

      const [d0, d1, d2] = due;
      await store.outbox.markDelivered(d0!, now + 30_001);
      await store.outbox.markFailed(d1!, { error: "HTTP 500", nextAttemptAt: now + 90_000, dead: false });
      await store.outbox.markFailed(d2!, { error: "HTTP 410", nextAttemptAt: now, dead: true });
      assert.deepEqual(await store.outbox.get(d0!), { ...(await store.outbox.get(d0!))!, status: "delivered", deliveredAt: now + 30_001 });
      assert.equal((await store.outbox.get(d0!))?.lockedBy, undefined);
      assert.equal((await store.outbox.get(d2!))?.status, "dead");
      const pendingIds = (await store.outbox.pending(callId)).map((e) => e.id);
      assert.ok(pendingIds.includes(d1!) && !pendingIds.includes(d0!) && !pendingIds.includes(d2!));
      const retry = await store.outbox.claimDue({ nodeId: "node-6", now: now + 90_000, limit: 50, leaseMs: 1_000 });
      assert.deepEqual(retry.map((e) => e.id).sort(), [d1!, later.id].sort());
      assert.equal(retry.find((e) => e.id === d1)?.attempts, 3);
      assert.equal(retry.find((e) => e.id === d1)?.lastError, "HTTP 500");
      await rejectsWith(store.outbox.markDelivered("whk_missing", now), "not_found");
      await rejectsWith(store.outbox.claimDue({ nodeId: "n", now, limit: 0, leaseMs: 1 }), "invalid");
    });

    test("nodes: heartbeat keeps start time; dead nodes found by age", T, async () => {
      const a = `node-${randomBytes(4).toString("hex")}`;
      const b = `node-${randomBytes(4).toString("hex")}`;
      await store.nodes.heartbeat(a, T0);
      await store.nodes.heartbeat(b, T0);
      await store.nodes.heartbeat(a, T0 + 50_000);
      const dead = (await store.nodes.deadNodes(30_000, T0 + 60_000)).filter((n) => n.nodeId === a || n.nodeId === b);
      assert.deepEqual(dead, [{ nodeId: b, startedAt: T0, heartbeatAt: T0 }]);
      assert.deepEqual((await store.nodes.list()).find((n) => n.nodeId === a), { nodeId: a, startedAt: T0, heartbeatAt: T0 + 50_000 });
      assert.equal(await store.nodes.remove(b), true);
      assert.equal(await store.nodes.remove(b), false);
    });

    test("a transaction that throws leaves nothing behind", T, async () => {
      const ws = await store.workspaces.create({ name: "tx" });
      const record = fullRecord(ws.id, `call_${randomBytes(13).toString("hex")}`);
      // Earlier transactions compile the per-call shapes, so the failing one below runs them on the
      // connection directly (SQLite's fast path): the rollback must still take them back.
      for (let i = 0; i < 2; i++) {
        const warm = fullRecord(ws.id, `call_${randomBytes(13).toString("hex")}`);
        await store.transaction(async (tx) => {
          const stored = await tx.calls.insert(warm);
          await tx.calls.update({ ...warm, callStatus: "ended" }, stored);
          await tx.callEvents.append(warm.callId, [{ tMs: 0, at: T0, type: "call.end", data: {} }], 1);
        });
      }
      await assert.rejects(
        store.transaction(async (tx) => {
          const stored = await tx.calls.insert(record);
          await tx.calls.update({ ...record, callStatus: "ended" }, stored);
          await tx.outbox.enqueue({ workspaceId: ws.id, callId: record.callId, event: "call_ended", url: "http://127.0.0.1:9", payload: "{}" });
          await tx.callEvents.append(record.callId, [{ tMs: 0, at: T0, type: "call.end", data: {} }], 1);
          throw new Error("boom");
        }),
        /boom/,
      );
      assert.equal(await store.calls.getById(record.callId), undefined);
      assert.deepEqual(await store.outbox.pending(record.callId), []);
      assert.deepEqual(await store.callEvents.list(record.callId), []);
    });

    test("bad input gets a StoreError, not a crash", T, async () => {
      await rejectsWith(store.calls.insert({ callId: "" } as CallRecord), "invalid");
      await rejectsWith(store.calls.insert({ ...fullRecord("ws_missing", "call_orphan") }), "invalid");
      await rejectsWith(store.calls.insert({ ...fullRecord("ws_x", "call_bad_reason"), disconnectionReason: "nope" as (typeof DISCONNECTION_REASONS)[number] }), "invalid");
      // PostgreSQL's jsonb refuses NUL characters; SQLite keeps them. Either way, no raw driver error.
      const ws = await store.workspaces.create({ name: "nul" });
      const nul = { ...fullRecord(ws.id, `call_${randomBytes(13).toString("hex")}`), metadata: { note: "a\u0000b" } };
      const outcome = await store.calls.insert(nul).then(
        async () => assert.deepEqual(await store.calls.getById(nul.callId), nul),
        (e: unknown) => assert.ok(e instanceof StoreError && e.code === "invalid", `got ${String(e)}`),
      );
      assert.equal(outcome, undefined);
      await assert.rejects(openStore({ ...h.options(), secretKey: Buffer.alloc(16) }), (e: unknown) => e instanceof StoreError && e.code === "invalid");
    });
  });
}
