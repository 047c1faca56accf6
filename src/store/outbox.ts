/**
 * The webhook outbox: every webhook is a row first, so none is lost across a restart, and any
 * node may deliver it. A claim is a lease (locked_by/locked_until) taken in one atomic statement.
 */
import { randomBytes } from "node:crypto";
import type { Selectable } from "kysely";
import type { WebhookOutboxTable } from "./db-schema.js";
import { lockForClaim, translateDbError } from "./dialect.js";
import type { RepoContext } from "./repo-context.js";
import { StoreError, type NewOutboxEntry, type OutboxEntry, type OutboxRepo, type OutboxStatus } from "./types.js";

const MAX_CLAIM = 1000;

function newOutboxId(): string {
  return `whk_${randomBytes(14).toString("hex")}`;
}

function toEntry(row: Selectable<WebhookOutboxTable>): OutboxEntry {
  const e: OutboxEntry = {
    id: row.id,
    workspaceId: row.workspace_id,
    event: row.event,
    url: row.url,
    payload: row.payload,
    attempts: row.attempts,
    status: row.status as OutboxStatus,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
  };
  if (row.call_id !== null) e.callId = row.call_id;
  if (row.locked_by !== null) e.lockedBy = row.locked_by;
  if (row.locked_until !== null) e.lockedUntil = row.locked_until;
  if (row.last_error !== null) e.lastError = row.last_error;
  if (row.delivered_at !== null) e.deliveredAt = row.delivered_at;
  return e;
}

function byDueOrder(a: OutboxEntry, b: OutboxEntry): number {
  return a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Outbox repository over one Kysely handle. */
export class Outbox implements OutboxRepo {
  constructor(private readonly ctx: RepoContext) {}

  async enqueue(entry: NewOutboxEntry): Promise<OutboxEntry> {
    if (typeof entry.payload !== "string" || typeof entry.url !== "string" || typeof entry.event !== "string") {
      throw new StoreError("invalid", "an outbox entry needs a string event, url and payload");
    }
    const createdAt = entry.createdAt ?? Date.now();
    const row: Selectable<WebhookOutboxTable> = {
      id: newOutboxId(),
      workspace_id: entry.workspaceId,
      call_id: entry.callId ?? null,
      event: entry.event,
      url: entry.url,
      payload: entry.payload,
      attempts: 0,
      status: "pending",
      next_attempt_at: entry.nextAttemptAt ?? createdAt,
      locked_by: null,
      locked_until: null,
      last_error: null,
      created_at: createdAt,
      delivered_at: null,
    };
    try {
      await this.ctx.db.insertInto("webhook_outbox").values(row).execute();
    } catch (e) {
      throw translateDbError(e, "outbox entry");
    }
    return toEntry(row);
  }

  async claimDue(opts: { nodeId: string; now: number; limit: number; leaseMs: number }): Promise<OutboxEntry[]> {
    const { nodeId, now, limit, leaseMs } = opts;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CLAIM || !Number.isFinite(now) || !(leaseMs > 0)) {
      throw new StoreError("invalid", `claimDue needs a limit of 1..${MAX_CLAIM}, a time and a positive lease`);
    }
    const { db, engine } = this.ctx;
    const due = lockForClaim(
      engine,
      db
        .selectFrom("webhook_outbox")
        .select("id")
        .where("status", "=", "pending")
        .where("next_attempt_at", "<=", now)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
        .orderBy("next_attempt_at")
        .orderBy("created_at")
        .orderBy("id")
        .limit(limit),
    );
    // The outer conditions repeat the inner ones: PostgreSQL re-checks them against a row another
    // claimer changed meanwhile, so a lease can never be taken twice.
    const rows = await db
      .updateTable("webhook_outbox")
      .set((eb) => ({ locked_by: nodeId, locked_until: now + leaseMs, attempts: eb("attempts", "+", 1) }))
      .where("id", "in", due)
      .where("status", "=", "pending")
      .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
      .returningAll()
      .execute();
    return rows.map(toEntry).sort(byDueOrder);
  }

  async markDelivered(id: string, at: number): Promise<void> {
    const res = await this.ctx.db
      .updateTable("webhook_outbox")
      .set({ status: "delivered", delivered_at: at, locked_by: null, locked_until: null })
      .where("id", "=", id)
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n) throw new StoreError("not_found", `outbox entry ${id} not found`);
  }

  async markFailed(id: string, opts: { error: string; nextAttemptAt: number; dead: boolean }): Promise<void> {
    const res = await this.ctx.db
      .updateTable("webhook_outbox")
      .set({
        status: opts.dead ? "dead" : "pending",
        last_error: opts.error.slice(0, 2000),
        next_attempt_at: opts.nextAttemptAt,
        locked_by: null,
        locked_until: null,
      })
      .where("id", "=", id)
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n) throw new StoreError("not_found", `outbox entry ${id} not found`);
  }

  async pending(callId?: string): Promise<OutboxEntry[]> {
    let q = this.ctx.db.selectFrom("webhook_outbox").selectAll().where("status", "=", "pending");
    if (callId !== undefined) q = q.where("call_id", "=", callId);
    const rows = await q.orderBy("created_at").orderBy("id").execute();
    return rows.map(toEntry);
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    const row = await this.ctx.db.selectFrom("webhook_outbox").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toEntry(row);
  }
}
