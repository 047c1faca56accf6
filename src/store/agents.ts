/**
 * Versioned agents: one row per (agent_id, version) holding the whole Retell agent body. Deletion
 * is soft (deleted_at) so calls that name an old version can still be explained.
 */
import type { Selectable } from "kysely";
import type { AgentsTable } from "./db-schema.js";
import { translateDbError } from "./dialect.js";
import { fromJson } from "./json-column.js";
import { checkLimit, decodePageKey, encodePageKey } from "./page-key.js";
import type { RepoContext } from "./repo-context.js";
import { StoreError, type AgentConfig, type AgentRepo, type AgentVersion, type ListOptions, type Page } from "./types.js";

function checkAgent(agent: AgentVersion): void {
  const problems: string[] = [];
  if (typeof agent.agentId !== "string" || agent.agentId.length === 0) problems.push("agentId must be a non-empty string");
  if (typeof agent.workspaceId !== "string" || agent.workspaceId.length === 0) problems.push("workspaceId must be a non-empty string");
  if (!Number.isInteger(agent.version) || agent.version < 0) problems.push("version must be a whole number ≥ 0");
  if (typeof agent.config !== "object" || agent.config === null || Array.isArray(agent.config)) problems.push("config must be a JSON object");
  if (!Number.isFinite(agent.lastModificationTimestamp)) problems.push("lastModificationTimestamp must be epoch ms");
  if (problems.length > 0) throw new StoreError("invalid", `bad agent: ${problems.join("; ")}`);
}

function toRow(agent: AgentVersion): Selectable<AgentsTable> {
  return {
    agent_id: agent.agentId,
    version: agent.version,
    workspace_id: agent.workspaceId,
    agent_name: agent.agentName ?? null,
    config: JSON.stringify(agent.config),
    is_published: agent.isPublished ? 1 : 0,
    last_modification_timestamp: agent.lastModificationTimestamp,
    deleted_at: null,
  };
}

function toAgent(row: Selectable<AgentsTable>): AgentVersion {
  const agent: AgentVersion = {
    workspaceId: row.workspace_id,
    agentId: row.agent_id,
    version: row.version,
    config: fromJson<AgentConfig>(row.config, `agent ${row.agent_id} v${row.version}`) ?? {},
    isPublished: row.is_published === 1,
    lastModificationTimestamp: row.last_modification_timestamp,
  };
  if (row.agent_name !== null) agent.agentName = row.agent_name;
  return agent;
}

/** Agent repository over one Kysely handle. */
export class Agents implements AgentRepo {
  constructor(private readonly ctx: RepoContext) {}

  async insertVersion(agent: AgentVersion): Promise<AgentVersion> {
    checkAgent(agent);
    const row = toRow(agent);
    try {
      await this.ctx.db.insertInto("agents").values(row).execute();
    } catch (e) {
      throw translateDbError(e, `agent ${agent.agentId} version ${agent.version}`);
    }
    return toAgent(row);
  }

  async getVersion(workspaceId: string, agentId: string, version?: number): Promise<AgentVersion | undefined> {
    let q = this.ctx.db
      .selectFrom("agents")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("agent_id", "=", agentId)
      .where("deleted_at", "is", null);
    q = version === undefined ? q.orderBy("version", "desc").limit(1) : q.where("version", "=", version);
    const row = await q.executeTakeFirst();
    return row && toAgent(row);
  }

  async listLatest(workspaceId: string, opts: ListOptions): Promise<Page<AgentVersion>> {
    checkLimit(opts.limit);
    const desc = opts.sortOrder !== "ascending";
    let q = this.ctx.db
      .selectFrom("agents as a")
      .selectAll("a")
      .where("a.workspace_id", "=", workspaceId)
      .where("a.deleted_at", "is", null)
      .where((eb) =>
        eb(
          "a.version",
          "=",
          eb
            .selectFrom("agents as b")
            .select((b) => b.fn.max("b.version").as("v"))
            .whereRef("b.agent_id", "=", "a.agent_id")
            .where("b.deleted_at", "is", null),
        ),
      );
    if (opts.paginationKey !== undefined) {
      const after = decodePageKey(opts.paginationKey);
      q = q.where((eb) =>
        eb(eb.refTuple("a.last_modification_timestamp", "a.agent_id"), desc ? "<" : ">", eb.tuple(after.at, after.id)),
      );
    }
    const dir = desc ? "desc" : "asc";
    const rows = await q
      .orderBy("a.last_modification_timestamp", dir)
      .orderBy("a.agent_id", dir)
      .limit(opts.limit + 1)
      .execute();
    const hasMore = rows.length > opts.limit;
    const items = rows.slice(0, opts.limit).map(toAgent);
    const last = items[items.length - 1];
    const page: Page<AgentVersion> = { items, hasMore };
    if (hasMore && last) page.paginationKey = encodePageKey(last.lastModificationTimestamp, last.agentId);
    return page;
  }

  async listVersions(workspaceId: string, agentId: string): Promise<AgentVersion[]> {
    const rows = await this.ctx.db
      .selectFrom("agents")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("agent_id", "=", agentId)
      .where("deleted_at", "is", null)
      .orderBy("version")
      .execute();
    return rows.map(toAgent);
  }

  async updateVersion(agent: AgentVersion): Promise<AgentVersion> {
    checkAgent(agent);
    const row = toRow(agent);
    const res = await this.ctx.db
      .updateTable("agents")
      .set({
        agent_name: row.agent_name,
        config: row.config,
        is_published: row.is_published,
        last_modification_timestamp: row.last_modification_timestamp,
      })
      .where("workspace_id", "=", agent.workspaceId)
      .where("agent_id", "=", agent.agentId)
      .where("version", "=", agent.version)
      .where("deleted_at", "is", null)
      .executeTakeFirst()
      .catch((e: unknown) => Promise.reject(translateDbError(e, `agent ${agent.agentId} version ${agent.version}`)));
    if (res.numUpdatedRows === 0n) throw new StoreError("not_found", `agent ${agent.agentId} version ${agent.version} not found`);
    return toAgent(row);
  }

  async publish(workspaceId: string, agentId: string, version: number): Promise<AgentVersion> {
    const res = await this.ctx.db
      .updateTable("agents")
      .set({ is_published: 1 })
      .where("workspace_id", "=", workspaceId)
      .where("agent_id", "=", agentId)
      .where("version", "=", version)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    const agent = res.numUpdatedRows > 0n ? await this.getVersion(workspaceId, agentId, version) : undefined;
    if (!agent) throw new StoreError("not_found", `agent ${agentId} version ${version} not found`);
    return agent;
  }

  delete(workspaceId: string, agentId: string, at = Date.now()): Promise<boolean> {
    return this.softDelete(workspaceId, agentId, undefined, at);
  }

  deleteVersion(workspaceId: string, agentId: string, version: number, at = Date.now()): Promise<boolean> {
    return this.softDelete(workspaceId, agentId, version, at);
  }

  private async softDelete(workspaceId: string, agentId: string, version: number | undefined, at: number): Promise<boolean> {
    let q = this.ctx.db
      .updateTable("agents")
      .set({ deleted_at: at })
      .where("workspace_id", "=", workspaceId)
      .where("agent_id", "=", agentId)
      .where("deleted_at", "is", null);
    if (version !== undefined) q = q.where("version", "=", version);
    const res = await q.executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }
}
