/** Calls: the CallRecord of every call, listed by time with Retell's v2/v3 filters mapped onto CallFilter. */
import { sql } from "kysely";
import type { CallRecord } from "../core/call-record.js";
import type { CallStatus } from "../core/reasons.js";
import { callFilterCondition } from "./call-filters.js";
import { planCallList } from "./call-list-plan.js";
import { CALL_STATUSES, UNFINISHED_STATUSES, callToRow, checkCallRecord, rowToCall } from "./call-row.js";
import type { CallsTable } from "./db-schema.js";
import { rowLocator, translateDbError } from "./dialect.js";
import { inTransaction } from "./in-transaction.js";
import { checkLimit, decodePageKey, encodePageKey } from "./page-key.js";
import type { RepoContext } from "./repo-context.js";
import { StoreError, type CallFilter, type CallListQuery, type CallListResult, type CallRepo, type StoredCall } from "./types.js";

const MAX_SKIP = 100_000;

/** Every column but the transcripts, for lists that leave them out. */
const LIST_COLUMNS = [
  "call_id", "workspace_id", "call_type", "direction", "agent_id", "agent_version", "call_status",
  "disconnection_reason", "data_storage_setting", "from_number", "to_number", "start_timestamp",
  "end_timestamp", "duration_ms", "owner_node", "end_phase", "end_fault", "end_sip_code", "metadata",
  "dynamic_variables", "end_detail", "timestamps", "extra",
] as const satisfies readonly Exclude<keyof CallsTable, "transcripts">[];
const LIST_COLUMNS_C = LIST_COLUMNS.map((c) => `c.${c}` as const);
const ALL_COLUMNS_C = [...LIST_COLUMNS_C, "c.transcripts" as const];

/** The columns of `next` whose values differ from `stored`. */
function changedColumns<T extends object>(next: T, stored: Readonly<Record<string, unknown>>): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(next)) if (v !== stored[k]) out[k as keyof T] = v as T[keyof T];
  return out;
}

/** The pagination key that continues a list right after this call (also maps Retell v2's call-id cursor). */
export function callPageKey(call: Pick<CallRecord, "startTimestamp" | "callId">): string {
  return encodePageKey(call.startTimestamp, call.callId);
}

/** Call repository over one Kysely handle. */
export class Calls implements CallRepo {
  constructor(private readonly ctx: RepoContext) {}

  async insert(record: CallRecord): Promise<StoredCall> {
    checkCallRecord(record);
    const row = callToRow(record);
    try {
      await this.ctx.shapes.run(this.ctx.db, "calls.insert", Object.values(row), () => this.ctx.db.insertInto("calls").values(row));
    } catch (e) {
      throw translateDbError(e, `call ${record.callId}`);
    }
    return { callId: record.callId, columns: row };
  }

  async update(record: CallRecord, since?: StoredCall): Promise<StoredCall> {
    checkCallRecord(record);
    if (since !== undefined && since.callId !== record.callId) {
      throw new StoreError("invalid", `an update of call ${record.callId} was given what call ${since.callId} stored`);
    }
    const row = callToRow(record);
    const { call_id: _id, workspace_id: _ws, ...all } = row;
    // SQLite rewrites every index holding a SET column, changed or not: a status change should
    // touch the status indexes, not all seven.
    const set = since === undefined ? all : changedColumns(all, since.columns);
    const names = Object.keys(set);
    if (names.length === 0) return { callId: record.callId, columns: row };
    const params = [...Object.values(set), record.callId, record.workspaceId];
    const res = await this.ctx.shapes
      .run(this.ctx.db, `calls.update.${names.join(",")}`, params, () =>
        this.ctx.db.updateTable("calls").set(set).where("call_id", "=", record.callId).where("workspace_id", "=", record.workspaceId),
      )
      .catch((e: unknown) => Promise.reject(translateDbError(e, `call ${record.callId}`)));
    if (res.numAffectedRows === 0n) throw new StoreError("not_found", `call ${record.callId} not found in workspace ${record.workspaceId}`);
    return { callId: record.callId, columns: row };
  }

  async get(workspaceId: string, callId: string): Promise<CallRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom("calls")
      .selectAll()
      .where("call_id", "=", callId)
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirst();
    return row && rowToCall(row);
  }

  async getById(callId: string): Promise<CallRecord | undefined> {
    const row = await this.ctx.db.selectFrom("calls").selectAll().where("call_id", "=", callId).executeTakeFirst();
    return row && rowToCall(row);
  }

  async delete(workspaceId: string, callId: string): Promise<boolean> {
    return inTransaction(this.ctx.db, async (trx) => {
      const res = await trx.deleteFrom("calls").where("call_id", "=", callId).where("workspace_id", "=", workspaceId).executeTakeFirst();
      if (res.numDeletedRows === 0n) return false;
      await trx.deleteFrom("call_events").where("call_id", "=", callId).execute();
      return true;
    });
  }

  async list(workspaceId: string, query: CallListQuery): Promise<CallListResult> {
    checkLimit(query.limit);
    const skip = query.skip ?? 0;
    if (!Number.isInteger(skip) || skip < 0 || skip > MAX_SKIP) {
      throw new StoreError("invalid", `skip must be a whole number from 0 to ${MAX_SKIP}`);
    }
    const desc = query.sortOrder !== "ascending";
    const dir = desc ? "desc" : "asc";
    const after = query.paginationKey === undefined ? undefined : decodePageKey(query.paginationKey);
    const plan = planCallList(query.filters, query.sortOrder, after);
    const { db, engine } = this.ctx;
    const columns = query.omitTranscripts ? LIST_COLUMNS_C : ALL_COLUMNS_C;
    const locator = rowLocator(engine);

    // Keys first, rows second: each branch walks its index for (start_timestamp, call_id) only,
    // the page is cut on those narrow keys, and just the page's rows are read in full.
    const branch = (filters: readonly CallFilter[]) => {
      let q = db
        .selectFrom("calls")
        .where("workspace_id", "=", workspaceId)
        .where((eb) => callFilterCondition(engine, eb, filters));
      if (plan.lo !== undefined) q = q.where("start_timestamp", ">=", plan.lo);
      if (plan.hi !== undefined) q = q.where("start_timestamp", "<=", plan.hi);
      const tie = plan.tie;
      if (tie) q = q.where((eb) => eb.or([eb("start_timestamp", desc ? "<" : ">", tie.at), eb("call_id", desc ? "<" : ">", tie.id)]));
      return q
        .select(["call_id", "start_timestamp", sql.ref<string>(locator).as("loc")])
        .orderBy("start_timestamp", dir)
        .orderBy("call_id", dir);
    };

    const empty = plan.lo !== undefined && plan.hi !== undefined && plan.lo > plan.hi;
    const [only, ...more] = plan.branches;
    let keys;
    if (more.length === 0 || only === undefined) {
      keys = branch(only ?? []).limit(query.limit + 1).offset(skip);
    } else {
      // Each branch reads at most one page from its own index; the merge sorts only those keys.
      const perBranch = query.limit + 1 + skip;
      const arm = (f: readonly CallFilter[]) => db.selectFrom(branch(f).limit(perBranch).as("b")).selectAll();
      let union = arm(only);
      for (const f of more) union = union.unionAll(arm(f));
      keys = db.selectFrom(union.as("u")).selectAll().orderBy("start_timestamp", dir).orderBy("call_id", dir).limit(query.limit + 1).offset(skip);
    }
    const rows = empty
      ? []
      : await db
          .selectFrom(keys.as("k"))
          .innerJoin("calls as c", (join) => join.on(sql.ref(`c.${locator}`), "=", sql.ref("k.loc")))
          .select(columns)
          .orderBy("k.start_timestamp", dir)
          .orderBy("k.call_id", dir)
          .execute();

    const hasMore = rows.length > query.limit;
    const items = rows.slice(0, query.limit).map(rowToCall);
    const result: CallListResult = { items, hasMore };
    const last = items[items.length - 1];
    if (hasMore && last) result.paginationKey = callPageKey(last);
    if (query.includeTotal) {
      const counted = await db
        .selectFrom("calls")
        .where("workspace_id", "=", workspaceId)
        .where((eb) => callFilterCondition(engine, eb, query.filters))
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      result.total = Number(counted.n);
    }
    return result;
  }

  async listUnfinished(opts: { ownerNode?: string } = {}): Promise<CallRecord[]> {
    let q = this.ctx.db.selectFrom("calls").selectAll().where("call_status", "in", UNFINISHED_STATUSES);
    if (opts.ownerNode !== undefined) q = q.where("owner_node", "=", opts.ownerNode);
    const rows = await q.orderBy("start_timestamp").orderBy("call_id").execute();
    return rows.map(rowToCall);
  }

  async countByStatus(workspaceId: string): Promise<Record<CallStatus, number>> {
    const rows = await this.ctx.db
      .selectFrom("calls")
      .select(["call_status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("workspace_id", "=", workspaceId)
      .groupBy("call_status")
      .execute();
    const counts = Object.fromEntries(CALL_STATUSES.map((s) => [s, 0])) as Record<CallStatus, number>;
    for (const row of rows) {
      if (CALL_STATUSES.includes(row.call_status as CallStatus)) counts[row.call_status as CallStatus] = Number(row.n);
    }
    return counts;
  }
}
