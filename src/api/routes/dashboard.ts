import type { FastifyInstance, FastifyReply } from "fastify";
import fastifyStatic from "@fastify/static";
import { Type, type Static } from "typebox";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { toWireCall } from "../../calls/call-wire.js";
import { type CallRecord, type CallStatus, type DisconnectionReason } from "../../core/index.js";
import { callPageKey } from "../../store/index.js";
import type { CallFilter, CallListQuery, CallListResult, SortOrder, Store } from "../../store/types.js";
import type { ApiDeps } from "../context.js";
import { workspaceOf } from "../context.js";
import { ApiError } from "../errors.js";
import { v3Query } from "../list-calls-query.js";
import { ListCallsV3Body } from "../schemas/call.js";

/** Most calls one stats request reads; the answer says when it stopped early (newest first). */
export const SCAN_CAP = 20_000;
const SCAN_PAGE = 1000;

const FilterOnly = Type.Object(
  {
    filter_criteria: ListCallsV3Body.properties.filter_criteria,
    /** How many time buckets the chart wants (default 24). */
    bucket_count: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);

const SearchBody = Type.Object(
  {
    filter_criteria: ListCallsV3Body.properties.filter_criteria,
    sort_order: ListCallsV3Body.properties.sort_order,
    limit: ListCallsV3Body.properties.limit,
    pagination_key: ListCallsV3Body.properties.pagination_key,
    /** Part of a call id, or of the from / to number (spaces, dashes and brackets ignored). */
    query: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);

/** One time bucket of the outcomes chart. */
export interface StatsBucket {
  readonly start: number;
  readonly end: number;
  readonly counts: Partial<Record<DisconnectionReason | "in_progress", number>>;
}

/** What `/parley/v1/dashboard/call-stats` answers. */
export interface CallStats {
  readonly scanned: number;
  /** True when more calls matched than SCAN_CAP: the figures cover the newest SCAN_CAP. */
  readonly truncated: boolean;
  readonly by_status: Record<CallStatus, number>;
  readonly by_reason: Partial<Record<DisconnectionReason, number>>;
  readonly buckets: StatsBucket[];
  /** Outbound outcomes per caller number, busiest first (at most CALLER_LIMIT). */
  readonly caller_numbers: CallerNumberStats[];
}

/**
 * How one caller number's outbound calls ended. A number that carriers flag shows up as spam
 * blocks and declines climbing while connects fall, long before anyone reports "Spam Likely".
 */
export interface CallerNumberStats {
  readonly number: string;
  readonly total: number;
  /** The callee's side picked up (answered, or the call ended in the in_call phase). */
  readonly connected: number;
  readonly marked_as_spam: number;
  readonly user_declined: number;
  readonly busy_or_no_answer: number;
  /** Trunk or carrier failures: permission, unavailable, routing, unclassified SIP failures. */
  readonly provider_failed: number;
}

export const CALLER_LIMIT = 20;

const PROVIDER_FAILURES: ReadonlySet<string> = new Set(["telephony_provider_permission_denied", "telephony_provider_unavailable", "sip_routing_error", "dial_failed"]);

/** Outbound phone-call outcomes grouped by caller number. */
export function callerNumbers(records: readonly CallRecord[]): CallerNumberStats[] {
  const by = new Map<string, { number: string; total: number; connected: number; marked_as_spam: number; user_declined: number; busy_or_no_answer: number; provider_failed: number }>();
  for (const r of records) {
    if (r.callType !== "phone_call" || r.direction !== "outbound" || !r.fromNumber) continue;
    let s = by.get(r.fromNumber);
    if (!s) by.set(r.fromNumber, (s = { number: r.fromNumber, total: 0, connected: 0, marked_as_spam: 0, user_declined: 0, busy_or_no_answer: 0, provider_failed: 0 }));
    s.total++;
    const reason = r.disconnectionReason;
    if (r.timestamps.answered !== undefined || r.callStatus === "ongoing" || r.endDetail?.phase === "in_call") s.connected++;
    else if (reason === "marked_as_spam") s.marked_as_spam++;
    else if (reason === "user_declined") s.user_declined++;
    else if (reason === "dial_busy" || reason === "dial_no_answer") s.busy_or_no_answer++;
    else if (reason && PROVIDER_FAILURES.has(reason)) s.provider_failed++;
  }
  return [...by.values()].sort((a, b) => b.total - a.total || a.number.localeCompare(b.number)).slice(0, CALLER_LIMIT);
}

/** Reads matching calls newest first, page by page, up to SCAN_CAP of them. */
async function collect(store: Store, wsId: string, base: CallListQuery): Promise<{ records: CallRecord[]; truncated: boolean }> {
  const records: CallRecord[] = [];
  let key: string | undefined;
  for (;;) {
    const page = await store.calls.list(wsId, { ...base, limit: SCAN_PAGE, omitTranscripts: true, includeTotal: false, ...(key ? { paginationKey: key } : {}) });
    const room = SCAN_CAP - records.length;
    records.push(...page.items.slice(0, room));
    if (page.items.length > room) return { records, truncated: true };
    if (!page.hasMore || !page.paginationKey) return { records, truncated: false };
    if (records.length >= SCAN_CAP) return { records, truncated: true };
    key = page.paginationKey;
  }
}

/** Counts calls per status, per reason and per reason over time. */
export function summarise(records: readonly CallRecord[], bucketCount: number, range?: { lo: number; hi: number }): Omit<CallStats, "scanned" | "truncated" | "caller_numbers"> {
  const byStatus: Record<CallStatus, number> = { registered: 0, ongoing: 0, ended: 0, not_connected: 0, error: 0 };
  const byReason: Partial<Record<DisconnectionReason, number>> = {};
  for (const r of records) {
    byStatus[r.callStatus]++;
    if (r.disconnectionReason) byReason[r.disconnectionReason] = (byReason[r.disconnectionReason] ?? 0) + 1;
  }
  if (records.length === 0 && !range) return { by_status: byStatus, by_reason: byReason, buckets: [] };
  let lo = range?.lo ?? Math.min(...records.map((r) => r.startTimestamp));
  let hi = range?.hi ?? Math.max(...records.map((r) => r.startTimestamp));
  if (hi <= lo) hi = lo + 60_000;
  // Round the width up to a whole minute so bucket edges read well on the axis.
  const width = Math.max(60_000, Math.ceil((hi - lo + 1) / bucketCount / 60_000) * 60_000);
  lo = Math.floor(lo / 60_000) * 60_000;
  const n = Math.max(1, Math.ceil((hi - lo + 1) / width));
  const buckets: { start: number; end: number; counts: Partial<Record<DisconnectionReason | "in_progress", number>> }[] = [];
  for (let i = 0; i < n; i++) buckets.push({ start: lo + i * width, end: lo + (i + 1) * width, counts: {} });
  for (const r of records) {
    const b = buckets[Math.floor((r.startTimestamp - lo) / width)];
    if (!b) continue;
    const k = r.disconnectionReason ?? "in_progress";
    b.counts[k] = (b.counts[k] ?? 0) + 1;
  }
  return { by_status: byStatus, by_reason: byReason, buckets };
}

/** Lower-cased text with phone-number punctuation dropped, for loose matching. */
function squash(s: string): string {
  return s.toLowerCase().replace(/[\s\-().]/g, "");
}

/**
 * One page of calls whose id, from number or to number contains `query`, in list order. The store
 * ANDs filters, so each alternative is its own indexed query from the same cursor; the page is the
 * first `limit` of their merge. Any match missing from an alternative's page sorts after that
 * page's last row, hence after the merged page's last row too, so no match is ever skipped.
 */
export async function searchCalls(store: Store, wsId: string, base: CallListQuery, query: string, limit: number, cursor?: string): Promise<CallListResult> {
  const idPart = query.trim().toLowerCase();
  const numberPart = squash(query);
  const alternatives: CallFilter[] = [];
  if (idPart) alternatives.push({ kind: "string", field: "call_id", op: "co", value: idPart });
  if (numberPart) {
    alternatives.push({ kind: "string", field: "from_number", op: "co", value: numberPart });
    alternatives.push({ kind: "string", field: "to_number", op: "co", value: numberPart });
  }
  const pages = await Promise.all(alternatives.map((f) =>
    store.calls.list(wsId, { ...base, filters: [...base.filters, f], limit, omitTranscripts: true, includeTotal: false, ...(cursor ? { paginationKey: cursor } : {}) })));
  const unique = new Map<string, CallRecord>();
  for (const p of pages) for (const r of p.items) unique.set(r.callId, r);
  const sign = base.sortOrder === "ascending" ? 1 : -1;
  const merged = [...unique.values()].sort((a, b) => sign * (a.startTimestamp - b.startTimestamp || (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0)));
  const items = merged.slice(0, limit);
  const hasMore = merged.length > limit || pages.some((p) => p.hasMore);
  const last = items[items.length - 1];
  return { items, hasMore, ...(hasMore && last ? { paginationKey: callPageKey(last) } : {}) };
}

/** The folder holding the built dashboard: `dist/dashboard` beside the package.json above this file. */
export function dashboardDir(): string {
  const override = process.env.PARLEY_DASHBOARD_DIR;
  if (override) return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, "package.json"))) return join(dir, "dist", "dashboard");
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(process.cwd(), "dist", "dashboard");
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Parley</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>Parley</h1>
<p>The dashboard has not been built yet. Run <code>npm run build:dashboard</code> (or <code>npm start</code>, which builds it when stale), then reload this page.</p>
<p>The API is up: see <a href="/docs">/docs</a>.</p>
</body></html>`;

function sendShell(reply: FastifyReply, dir: string): FastifyReply {
  const index = join(dir, "index.html");
  // Read on each request so a rebuild is picked up without a restart; the shell is tiny.
  const html = existsSync(index) ? readFileSync(index, "utf8") : NOT_BUILT;
  return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(html);
}

/**
 * Serves the dashboard (the HTML shell at / and /dashboard, hashed assets under /dashboard/),
 * and the two read-only helpers it needs beyond Retell's API: call statistics and call search.
 */
export async function dashboardRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, urls } = deps;
  const dir = dashboardDir();

  app.get("/", { schema: { hide: true } }, async (_req, reply) => sendShell(reply, dir));
  app.get("/dashboard", { schema: { hide: true } }, async (_req, reply) => sendShell(reply, dir));
  await app.register(fastifyStatic, {
    root: dir,
    prefix: "/dashboard/",
    decorateReply: false,
    index: false,
    wildcard: true,
    // Only the hashed bundles: the shell is served (uncached) by the routes above.
    allowedPath: (path: string) => /^\/?assets\//.test(path),
    // Assets carry a content hash in their names, so they never change under one URL.
    immutable: true,
    maxAge: "365d",
    logLevel: "silent",
  });

  app.post("/parley/v1/dashboard/call-stats", { schema: { body: FilterOnly, tags: ["parley"] } }, async (req) => {
    const ws = workspaceOf(req);
    const body = (req.body ?? {}) as Static<typeof FilterOnly>;
    const base: CallListQuery = { ...v3Query(body.filter_criteria ? { filter_criteria: body.filter_criteria } : {}), sortOrder: "descending" };
    const { records, truncated } = await badStoreTo400(() => collect(store, ws.id, base));
    const st = body.filter_criteria?.start_timestamp;
    const range = st && st.type === "range" ? { lo: st.value[0], hi: st.value[1] } : undefined;
    const stats: CallStats = { scanned: records.length, truncated, ...summarise(records, body.bucket_count ?? 24, range), caller_numbers: callerNumbers(records) };
    return stats;
  });

  app.post("/parley/v1/dashboard/search-calls", { schema: { body: SearchBody, tags: ["parley"] } }, async (req) => {
    const ws = workspaceOf(req);
    const body = req.body as Static<typeof SearchBody>;
    const limit = body.limit ?? 50;
    const sortOrder: SortOrder = body.sort_order === "ascending" ? "ascending" : "descending";
    const base: CallListQuery = { ...v3Query(body.filter_criteria ? { filter_criteria: body.filter_criteria } : {}), sortOrder };
    const page = await badStoreTo400(() => searchCalls(store, ws.id, base, body.query, limit, body.pagination_key));
    return {
      items: page.items.map((r) => toWireCall(r, urls, { omitTranscripts: true })),
      has_more: page.hasMore,
      ...(page.paginationKey ? { pagination_key: page.paginationKey } : {}),
    };
  });
}

async function badStoreTo400<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && err.name === "StoreError" && (err as Error & { code?: string }).code === "invalid") throw new ApiError(400, err.message);
    throw err;
  }
}
