/** Workspaces: the tenant boundary, its concurrency limit, billing state and default webhook. */
import type { Selectable } from "kysely";
import { newId } from "../core/ids.js";
import type { WorkspacesTable } from "./db-schema.js";
import { translateDbError } from "./dialect.js";
import type { RepoContext } from "./repo-context.js";
import { StoreError, type BillingStatus, type NewWorkspace, type Workspace, type WorkspacePatch, type WorkspaceRepo } from "./types.js";

const BILLING: readonly BillingStatus[] = ["active", "inactive", "overdue"];

function checkLimitValue(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0 || limit > 1_000_000) {
    throw new StoreError("invalid", `concurrency_limit must be a whole number from 0 to 1000000 (got ${String(limit)})`);
  }
}

function checkBilling(status: string): asserts status is BillingStatus {
  if (!BILLING.includes(status as BillingStatus)) {
    throw new StoreError("invalid", `billing_status must be one of ${BILLING.join(", ")} (got "${status}")`);
  }
}

function toWorkspace(row: Selectable<WorkspacesTable>): Workspace {
  const ws: Workspace = {
    id: row.id,
    name: row.name,
    concurrencyLimit: row.concurrency_limit,
    billingStatus: row.billing_status as BillingStatus,
    createdAt: row.created_at,
  };
  if (row.webhook_url !== null) ws.webhookUrl = row.webhook_url;
  return ws;
}

/** Workspace repository over one Kysely handle. */
export class Workspaces implements WorkspaceRepo {
  constructor(private readonly ctx: RepoContext) {}

  async create(input: NewWorkspace): Promise<Workspace> {
    const limit = input.concurrencyLimit ?? 20;
    const billing = input.billingStatus ?? "active";
    checkLimitValue(limit);
    checkBilling(billing);
    if (typeof input.name !== "string") throw new StoreError("invalid", "a workspace needs a name");
    const row = {
      id: input.id ?? newId("ws_"),
      name: input.name,
      concurrency_limit: limit,
      billing_status: billing,
      webhook_url: input.webhookUrl ?? null,
      created_at: input.createdAt ?? Date.now(),
    };
    try {
      await this.ctx.db.insertInto("workspaces").values(row).execute();
    } catch (e) {
      throw translateDbError(e, `workspace ${row.id}`);
    }
    return toWorkspace(row);
  }

  async get(id: string): Promise<Workspace | undefined> {
    const row = await this.ctx.db.selectFrom("workspaces").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toWorkspace(row);
  }

  async update(id: string, patch: WorkspacePatch): Promise<Workspace> {
    const set: Partial<WorkspacesTable> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.concurrencyLimit !== undefined) {
      checkLimitValue(patch.concurrencyLimit);
      set.concurrency_limit = patch.concurrencyLimit;
    }
    if (patch.billingStatus !== undefined) {
      checkBilling(patch.billingStatus);
      set.billing_status = patch.billingStatus;
    }
    if (patch.webhookUrl !== undefined) set.webhook_url = patch.webhookUrl;
    if (Object.keys(set).length > 0) {
      const res = await this.ctx.db.updateTable("workspaces").set(set).where("id", "=", id).executeTakeFirst();
      if (res.numUpdatedRows === 0n) throw new StoreError("not_found", `workspace ${id} not found`);
    }
    const ws = await this.get(id);
    if (!ws) throw new StoreError("not_found", `workspace ${id} not found`);
    return ws;
  }

  async list(): Promise<Workspace[]> {
    const rows = await this.ctx.db.selectFrom("workspaces").selectAll().orderBy("created_at").orderBy("id").execute();
    return rows.map(toWorkspace);
  }
}
