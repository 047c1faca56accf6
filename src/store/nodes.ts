/** Node liveness: each Parley node beats here; a node that stops beating has its calls swept. */
import type { Selectable } from "kysely";
import type { NodesTable } from "./db-schema.js";
import type { RepoContext } from "./repo-context.js";
import type { NodeInfo, NodeRepo } from "./types.js";

function toNode(row: Selectable<NodesTable>): NodeInfo {
  return { nodeId: row.node_id, startedAt: row.started_at, heartbeatAt: row.heartbeat_at };
}

/** Node repository over one Kysely handle. */
export class Nodes implements NodeRepo {
  constructor(private readonly ctx: RepoContext) {}

  async heartbeat(nodeId: string, now: number): Promise<void> {
    await this.ctx.db
      .insertInto("nodes")
      .values({ node_id: nodeId, started_at: now, heartbeat_at: now })
      .onConflict((oc) => oc.column("node_id").doUpdateSet({ heartbeat_at: now }))
      .execute();
  }

  async deadNodes(olderThanMs: number, now: number): Promise<NodeInfo[]> {
    const rows = await this.ctx.db.selectFrom("nodes").selectAll().where("heartbeat_at", "<", now - olderThanMs).orderBy("node_id").execute();
    return rows.map(toNode);
  }

  async list(): Promise<NodeInfo[]> {
    const rows = await this.ctx.db.selectFrom("nodes").selectAll().orderBy("node_id").execute();
    return rows.map(toNode);
  }

  async remove(nodeId: string): Promise<boolean> {
    const res = await this.ctx.db.deleteFrom("nodes").where("node_id", "=", nodeId).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }
}
