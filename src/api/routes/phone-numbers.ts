import type { FastifyInstance } from "fastify";
import type { Static } from "typebox";
import { checkE164 } from "../../core/index.js";
import type { AgentWeight, PhoneNumber, SipTransport, Store } from "../../store/types.js";
import type { ApiDeps } from "../context.js";
import { workspaceOf } from "../context.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { listOptions } from "../paging.js";
import { ListQuery } from "../schemas/agent.js";
import { CreateNumberBody, ImportNumberBody, NumberParams, UpdateNumberBody } from "../schemas/phone-number.js";
import { toWireNumber } from "../wire-number.js";

type Shared = Static<typeof UpdateNumberBody>;
type WireWeight = { agent_id: string; agent_version?: number | string | undefined; weight: number };

function weights(list: WireWeight[] | null | undefined, legacyId: string | null | undefined, legacyVersion: number | null | undefined): AgentWeight[] | undefined {
  if (list) return list.map((w) => ({ agentId: w.agent_id, weight: w.weight, ...(w.agent_version !== undefined ? { agentVersion: w.agent_version } : {}) }));
  if (legacyId) return [{ agentId: legacyId, weight: 1, ...(legacyVersion != null ? { agentVersion: legacyVersion } : {}) }];
  return undefined;
}

/** Every agent a number names must exist in the workspace, and weights must sum to 1. */
async function checkAgents(store: Store, wsId: string, field: string, list: AgentWeight[] | undefined): Promise<void> {
  if (!list || list.length === 0) return;
  const sum = list.reduce((s, w) => s + w.weight, 0);
  if (Math.abs(sum - 1) > 1e-6) throw badRequest(field, `weights must sum to 1 (got ${sum})`);
  for (const w of list) {
    if (!(await store.agents.getVersion(wsId, w.agentId))) throw badRequest(field, `agent ${w.agentId} not found`);
  }
}

function cidrOk(s: string): boolean {
  return /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/.test(s) || /^[0-9a-f:]+(\/\d{1,3})?$/i.test(s);
}

/** Applies the fields import, create and update share; `undefined` leaves a field, null clears it. */
async function applyShared(store: Store, wsId: string, n: PhoneNumber, b: Shared): Promise<PhoneNumber> {
  const inbound = weights(b.inbound_agents, b.inbound_agent_id, b.inbound_agent_version);
  const outbound = weights(b.outbound_agents, b.outbound_agent_id, b.outbound_agent_version);
  await checkAgents(store, wsId, "inbound_agents", inbound);
  await checkAgents(store, wsId, "outbound_agents", outbound);
  const next: PhoneNumber = { ...n };
  if (b.inbound_agents === null || b.inbound_agent_id === null) delete next.inboundAgents;
  else if (inbound) next.inboundAgents = inbound;
  if (b.outbound_agents === null || b.outbound_agent_id === null) delete next.outboundAgents;
  else if (outbound) next.outboundAgents = outbound;
  const set = <K extends keyof PhoneNumber>(key: K, v: PhoneNumber[K] | null | undefined) => {
    if (v === null) delete next[key];
    else if (v !== undefined) next[key] = v;
  };
  set("nickname", b.nickname);
  set("inboundWebhookUrl", b.inbound_webhook_url);
  set("allowedInboundCountries", b.allowed_inbound_country_list);
  set("allowedOutboundCountries", b.allowed_outbound_country_list);
  if (b.fallback_agent_id) {
    if (!(await store.agents.getVersion(wsId, b.fallback_agent_id))) throw badRequest("fallback_agent_id", `agent ${b.fallback_agent_id} not found`);
  }
  set("fallbackAgentId", b.fallback_agent_id);
  if (b.allowed_inbound_ips) {
    const bad = b.allowed_inbound_ips.find((ip) => !cidrOk(ip));
    if (bad) throw badRequest("allowed_inbound_ips", `"${bad}" is not an IP address or CIDR`);
  }
  set("allowedInboundIps", b.allowed_inbound_ips);
  if (b.fallback_number !== undefined) next.config = { ...next.config, fallback_number: b.fallback_number };
  return next;
}

function transportOf(t: string | undefined): SipTransport | undefined {
  return t === undefined ? undefined : (t.toLowerCase() as SipTransport);
}

function terminationOk(uri: string): boolean {
  return /^(sips?:)?[A-Za-z0-9.\-_\[\]:]+(:\d{1,5})?(;[^\s]*)?$/.test(uri);
}

/** Retell's phone-number routes: import a SIP trunk number, or "buy" one. */
export function phoneNumberRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;
  const wire = (n: PhoneNumber) => toWireNumber(n, deps.trunkHealth?.(n));

  async function mustGet(wsId: string, number: string): Promise<PhoneNumber> {
    const n = await store.phoneNumbers.get(wsId, number);
    if (!n) throw notFound("phone number", number);
    return n;
  }

  async function insert(n: PhoneNumber): Promise<PhoneNumber> {
    if (await store.phoneNumbers.findByNumber(n.phoneNumber)) {
      throw new ApiError(409, `phone_number ${n.phoneNumber} is already registered`, {}, { "x-should-retry": "false" });
    }
    return store.phoneNumbers.insert(n);
  }

  app.post("/import-phone-number", { schema: { body: ImportNumberBody, tags: ["phone-numbers"] } }, async (req, reply) => {
    const ws = workspaceOf(req);
    const b = req.body as Static<typeof ImportNumberBody>;
    if (b.ignore_e164_validation === false && !checkE164(b.phone_number).ok) throw badRequest("phone_number", "is not a valid E.164 number");
    if (!terminationOk(b.termination_uri)) throw badRequest("termination_uri", `"${b.termination_uri}" is not a SIP host[:port] or sip: URI`);
    const now = Date.now();
    let n: PhoneNumber = { phoneNumber: b.phone_number, workspaceId: ws.id, kind: "imported", terminationUri: b.termination_uri, transport: transportOf(b.transport) ?? "tcp", createdAt: now, lastModificationTimestamp: now };
    if (b.sip_trunk_auth_username) n.authUsername = b.sip_trunk_auth_username;
    if (b.sip_trunk_auth_password) n.authPassword = b.sip_trunk_auth_password;
    n = await applyShared(store, ws.id, n, b);
    return reply.code(201).send(toWireNumber(await insert(n)));
  });

  app.post("/create-phone-number", { schema: { body: CreateNumberBody, tags: ["phone-numbers"] } }, async (req, reply) => {
    const ws = workspaceOf(req);
    const b = req.body as Static<typeof CreateNumberBody>;
    // No carrier to buy from on a self-hosted node: a purchased number is a record that may call US numbers only.
    let number = b.phone_number;
    if (number === undefined) {
      const area = b.area_code ?? 415;
      for (let i = 0; i < 20 && number === undefined; i++) {
        const candidate = `+1${area}555${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;
        if (!(await store.phoneNumbers.findByNumber(candidate))) number = candidate;
      }
      if (number === undefined) throw new ApiError(409, `no free number in area code ${area}`, {}, { "x-should-retry": "false" });
    } else if (!checkE164(number).ok) throw badRequest("phone_number", "is not a valid E.164 number");
    const now = Date.now();
    let n: PhoneNumber = { phoneNumber: number, workspaceId: ws.id, kind: "purchased", createdAt: now, lastModificationTimestamp: now, config: { area_code: b.area_code ?? null } };
    n = await applyShared(store, ws.id, n, b);
    return reply.code(201).send(toWireNumber(await insert(n)));
  });

  app.get("/get-phone-number/:phone_number", { schema: { params: NumberParams, tags: ["phone-numbers"] } }, async (req) => {
    const { phone_number } = req.params as Static<typeof NumberParams>;
    return wire(await mustGet(workspaceOf(req).id, phone_number));
  });

  app.patch("/update-phone-number/:phone_number", { schema: { params: NumberParams, body: UpdateNumberBody, tags: ["phone-numbers"] } }, async (req) => {
    const ws = workspaceOf(req);
    const { phone_number } = req.params as Static<typeof NumberParams>;
    const b = req.body as Static<typeof UpdateNumberBody>;
    let n = await mustGet(ws.id, phone_number);
    if (n.kind === "purchased" && (b.termination_uri || b.auth_username || b.auth_password || b.transport)) {
      throw badRequest("termination_uri", "only imported (SIP trunk) numbers have trunk settings");
    }
    if (b.termination_uri !== undefined) {
      if (!terminationOk(b.termination_uri)) throw badRequest("termination_uri", `"${b.termination_uri}" is not a SIP host[:port] or sip: URI`);
      n.terminationUri = b.termination_uri;
    }
    const transport = transportOf(b.transport);
    if (transport) n.transport = transport;
    if (b.auth_username === null) delete n.authUsername;
    else if (b.auth_username !== undefined) n.authUsername = b.auth_username;
    if (b.auth_password === null) delete n.authPassword;
    else if (b.auth_password !== undefined) n.authPassword = b.auth_password;
    n = await applyShared(store, ws.id, n, b);
    n.lastModificationTimestamp = Date.now();
    return toWireNumber(await store.phoneNumbers.update(n));
  });

  app.delete("/delete-phone-number/:phone_number", { schema: { params: NumberParams, tags: ["phone-numbers"] } }, async (req, reply) => {
    const { phone_number } = req.params as Static<typeof NumberParams>;
    if (!(await store.phoneNumbers.delete(workspaceOf(req).id, phone_number))) throw notFound("phone number", phone_number);
    return reply.code(204).send();
  });

  app.get("/v2/list-phone-numbers", { schema: { querystring: ListQuery, tags: ["phone-numbers"] } }, async (req) => {
    const page = await store.phoneNumbers.list(workspaceOf(req).id, listOptions(req.query as Static<typeof ListQuery>));
    return { items: page.items.map(wire), has_more: page.hasMore, ...(page.paginationKey ? { pagination_key: page.paginationKey } : {}) };
  });

  app.get("/list-phone-numbers", { schema: { tags: ["phone-numbers"] } }, async (req) => {
    const ws = workspaceOf(req);
    const all: PhoneNumber[] = [];
    let key: string | undefined;
    do {
      const page = await store.phoneNumbers.list(ws.id, { limit: 1000, sortOrder: "descending", ...(key ? { paginationKey: key } : {}) });
      all.push(...page.items);
      key = page.hasMore ? page.paginationKey : undefined;
    } while (key);
    return all.map(wire);
  });
}
