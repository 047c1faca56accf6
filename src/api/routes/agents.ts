import type { FastifyInstance } from "fastify";
import type { Static } from "typebox";
import { newId } from "../../core/index.js";
import { findVoice } from "../../conversation/voices.js";
import type { AgentConfig, AgentVersion, Store } from "../../store/types.js";
import type { ApiDeps } from "../context.js";
import { workspaceOf } from "../context.js";
import { badRequest, notFound } from "../errors.js";
import { listOptions } from "../paging.js";
import { AgentCreateBody, AgentIdParams, AgentUpdateBody, AgentVersionQuery, CreateVersionBody, ListQuery, PublishBody } from "../schemas/agent.js";
import { toWireAgent } from "../wire-agent.js";

const NOT_CONFIG = new Set(["agent_id", "version", "is_published", "last_modification_timestamp", "base_version"]);

function configOf(body: Record<string, unknown>): AgentConfig {
  const out: AgentConfig = {};
  for (const [k, v] of Object.entries(body)) if (!NOT_CONFIG.has(k)) out[k] = v;
  return out;
}

function checkVoice(config: AgentConfig): void {
  if (typeof config.voice_id === "string" && !findVoice(config.voice_id)) {
    throw badRequest("voice_id", `unknown voice "${config.voice_id}"; GET /list-voices lists the voices of the configured TTS engines`);
  }
}

async function mustGet(store: Store, wsId: string, agentId: string, version?: number): Promise<AgentVersion> {
  const a = await store.agents.getVersion(wsId, agentId, version);
  if (!a) throw notFound("agent", version === undefined ? agentId : `${agentId} version ${version}`);
  return a;
}

const versionOf = (q: Static<typeof AgentVersionQuery>) => (q.version === undefined ? undefined : Number(q.version));

/** Retell's agent routes, with versions. */
export function agentRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;

  app.post("/create-agent", { schema: { body: AgentCreateBody, tags: ["agents"] } }, async (req, reply) => {
    const ws = workspaceOf(req);
    const config = configOf(req.body as Record<string, unknown>);
    checkVoice(config);
    const agentName = typeof config.agent_name === "string" ? config.agent_name : undefined;
    const saved = await store.agents.insertVersion({
      workspaceId: ws.id, agentId: newId("agent_"), version: 0, config, isPublished: false, lastModificationTimestamp: Date.now(),
      ...(agentName ? { agentName } : {}),
    });
    return reply.code(201).send(toWireAgent(saved));
  });

  app.get("/get-agent/:agent_id", { schema: { params: AgentIdParams, querystring: AgentVersionQuery, tags: ["agents"] } }, async (req) => {
    const { agent_id } = req.params as Static<typeof AgentIdParams>;
    return toWireAgent(await mustGet(store, workspaceOf(req).id, agent_id, versionOf(req.query as Static<typeof AgentVersionQuery>)));
  });

  app.patch("/update-agent/:agent_id", { schema: { params: AgentIdParams, querystring: AgentVersionQuery, body: AgentUpdateBody, tags: ["agents"] } }, async (req) => {
    const ws = workspaceOf(req);
    const { agent_id } = req.params as Static<typeof AgentIdParams>;
    const target = await mustGet(store, ws.id, agent_id, versionOf(req.query as Static<typeof AgentVersionQuery>));
    const config = { ...target.config, ...configOf(req.body as Record<string, unknown>) };
    checkVoice(config);
    const agentName = typeof config.agent_name === "string" ? config.agent_name : undefined;
    const now = Date.now();
    if (target.isPublished) {
      // A published version is frozen: the change becomes the next draft.
      const versions = await store.agents.listVersions(ws.id, agent_id);
      const next = Math.max(...versions.map((v) => v.version)) + 1;
      const draft = await store.agents.insertVersion({ workspaceId: ws.id, agentId: agent_id, version: next, config, isPublished: false, lastModificationTimestamp: now, ...(agentName ? { agentName } : {}) });
      return toWireAgent(draft);
    }
    const { agentName: _old, ...rest } = target;
    return toWireAgent(await store.agents.updateVersion({ ...rest, config, lastModificationTimestamp: now, ...(agentName ? { agentName } : {}) }));
  });

  app.delete("/delete-agent/:agent_id", { schema: { params: AgentIdParams, tags: ["agents"] } }, async (req, reply) => {
    const { agent_id } = req.params as Static<typeof AgentIdParams>;
    if (!(await store.agents.delete(workspaceOf(req).id, agent_id))) throw notFound("agent", agent_id);
    return reply.code(204).send();
  });

  app.post("/v2/list-agents", { schema: { querystring: ListQuery, tags: ["agents"] } }, async (req) => {
    const page = await store.agents.listLatest(workspaceOf(req).id, listOptions(req.query as Static<typeof ListQuery>));
    return {
      items: page.items.map((a) => ({ agent_id: a.agentId, agent_name: a.agentName ?? null, channel: "voice", tags: {}, user_modified_timestamp: a.lastModificationTimestamp })),
      has_more: page.hasMore,
      ...(page.paginationKey ? { pagination_key: page.paginationKey } : {}),
    };
  });

  app.get("/list-agents", { schema: { querystring: ListQuery, tags: ["agents"] } }, async (req) => {
    const q = req.query as Static<typeof ListQuery>;
    const page = await store.agents.listLatest(workspaceOf(req).id, listOptions({ ...q, limit: q.limit ?? "1000" }));
    return page.items.map(toWireAgent);
  });

  app.get("/get-agent-versions/:agent_id", { schema: { params: AgentIdParams, tags: ["agents"] } }, async (req) => {
    const { agent_id } = req.params as Static<typeof AgentIdParams>;
    const versions = await store.agents.listVersions(workspaceOf(req).id, agent_id);
    if (versions.length === 0) throw notFound("agent", agent_id);
    return versions.map(toWireAgent);
  });

  app.get("/list-agent-versions/:agent_id", { schema: { params: AgentIdParams, querystring: ListQuery, tags: ["agents"] } }, async (req) => {
    const { agent_id } = req.params as Static<typeof AgentIdParams>;
    const versions = await store.agents.listVersions(workspaceOf(req).id, agent_id);
    if (versions.length === 0) throw notFound("agent", agent_id);
    const q = req.query as Static<typeof ListQuery>;
    const sorted = q.sort_order === "ascending" ? versions : [...versions].reverse();
    return { items: sorted.map(toWireAgent), has_more: false };
  });

  app.post("/create-agent-version/:agent_id", { schema: { params: AgentIdParams, body: CreateVersionBody, tags: ["agents"] } }, async (req, reply) => {
    const ws = workspaceOf(req);
    const { agent_id } = req.params as Static<typeof AgentIdParams>;
    const { base_version } = req.body as Static<typeof CreateVersionBody>;
    const base = await mustGet(store, ws.id, agent_id, base_version);
    const versions = await store.agents.listVersions(ws.id, agent_id);
    const next = Math.max(...versions.map((v) => v.version)) + 1;
    const { agentName } = base;
    const created = await store.agents.insertVersion({ workspaceId: ws.id, agentId: agent_id, version: next, config: base.config, isPublished: false, lastModificationTimestamp: Date.now(), ...(agentName ? { agentName } : {}) });
    return reply.code(201).send(toWireAgent(created));
  });

  app.post("/publish-agent-version/:agent_id", { schema: { params: AgentIdParams, body: PublishBody, tags: ["agents"] } }, async (req) => {
    const ws = workspaceOf(req);
    const { agent_id } = req.params as Static<typeof AgentIdParams>;
    const body = req.body as Static<typeof PublishBody>;
    await mustGet(store, ws.id, agent_id, body.version);
    return toWireAgent(await store.agents.publish(ws.id, agent_id, body.version));
  });

  app.delete("/delete-agent-version/:agent_id", { schema: { params: AgentIdParams, querystring: AgentVersionQuery, tags: ["agents"] } }, async (req, reply) => {
    const ws = workspaceOf(req);
    const { agent_id } = req.params as Static<typeof AgentIdParams>;
    const version = versionOf(req.query as Static<typeof AgentVersionQuery>);
    if (version === undefined) throw badRequest("query.version", "is required");
    if (!(await store.agents.deleteVersion(ws.id, agent_id, version))) throw notFound("agent", `${agent_id} version ${version}`);
    return reply.code(204).send();
  });
}
