import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Static } from "typebox";
import type { CreateOutcome } from "../../calls/call-service.js";
import { CallServiceError } from "../../calls/errors.js";
import { toWireCall } from "../../calls/call-wire.js";
import { encodePageKey } from "../../store/page-key.js";
import type { ApiDeps } from "../context.js";
import { workspaceOf } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { v2Query, v3Query } from "../list-calls-query.js";
import { CallIdParams, CreatePhoneCallBody, CreateWebCallBody, ListCallsV2Body, ListCallsV3Body, RegisterPhoneCallBody, UpdateCallBody } from "../schemas/call.js";

/** Maps a call-service refusal to Retell's statuses. */
export function toApiError(err: unknown): unknown {
  if (!(err instanceof CallServiceError)) return err;
  if (err.kind === "not_found") return new ApiError(404, err.message);
  if (err.kind === "conflict") return new ApiError(409, err.message, {}, { "x-should-retry": "false" });
  return new ApiError(400, `${err.field}: ${err.message}`);
}

/** Retell's call routes. */
export function callRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, calls, urls } = deps;

  /**
   * A refused call is stored with its reason; the HTTP status tells the SDK whether to retry
   * (429 + Retry-After for concurrency, which retell-sdk honours).
   */
  function sendCreated(reply: FastifyReply, outcome: CreateOutcome, full: boolean): FastifyReply {
    const call = toWireCall(outcome.call, urls);
    const refused = outcome.refused;
    if (refused?.reason === "concurrency_limit_reached") {
      return reply.code(429).headers({ "retry-after": "1" }).send({ status: "error", message: refused.message, call_id: call.call_id, disconnection_reason: refused.reason });
    }
    if (refused?.reason === "no_valid_payment") {
      return reply.code(402).headers({ "x-should-retry": "false" }).send({ status: "error", message: refused.message, call_id: call.call_id, disconnection_reason: refused.reason });
    }
    if (refused?.reason === "scam_detected") {
      return reply.code(403).headers({ "x-should-retry": "false" }).send({ status: "error", message: refused.message, call_id: call.call_id, disconnection_reason: refused.reason });
    }
    if (!full) return reply.code(201).send({ call_id: call.call_id, access_token: call.access_token, expires_at: outcome.call.startTimestamp + 30_000, ice_servers: [], transport: "websocket" });
    return reply.code(201).send(call);
  }

  async function guarded<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toApiError(err);
    }
  }

  app.post("/v2/create-phone-call", { schema: { body: CreatePhoneCallBody, tags: ["calls"] } }, async (req, reply) => {
    const b = req.body as Static<typeof CreatePhoneCallBody>;
    const outcome = await guarded(() =>
      calls.createPhoneCall(workspaceOf(req), {
        fromNumber: b.from_number,
        toNumber: b.to_number,
        ...(b.override_agent_id ? { overrideAgentId: b.override_agent_id } : {}),
        ...(b.override_agent_version != null ? { overrideAgentVersion: b.override_agent_version } : {}),
        ...(b.agent_override ? { agentOverride: b.agent_override } : {}),
        ...(b.retell_llm_dynamic_variables ? { dynamicVariables: b.retell_llm_dynamic_variables } : {}),
        ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
        ...(b.custom_sip_headers ? { customSipHeaders: b.custom_sip_headers } : {}),
        ...(b.ignore_e164_validation !== undefined ? { ignoreE164Validation: b.ignore_e164_validation } : {}),
      }),
    );
    return sendCreated(reply, outcome, true);
  });

  const webCall = (full: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const b = req.body as Static<typeof CreateWebCallBody>;
    const outcome = await guarded(() =>
      calls.createWebCall(workspaceOf(req), {
        agentId: b.agent_id,
        ...(b.agent_version != null ? { agentVersion: b.agent_version } : {}),
        ...(b.agent_override ? { agentOverride: b.agent_override } : {}),
        ...(b.retell_llm_dynamic_variables ? { dynamicVariables: b.retell_llm_dynamic_variables } : {}),
        ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
      }),
    );
    return sendCreated(reply, outcome, full);
  };
  app.post("/v2/create-web-call", { schema: { body: CreateWebCallBody, tags: ["calls"] } }, webCall(true));
  app.post("/v3/create-web-call", { schema: { body: CreateWebCallBody, tags: ["calls"] } }, webCall(false));

  app.post("/v2/register-phone-call", { schema: { body: RegisterPhoneCallBody, tags: ["calls"] } }, async (req, reply) => {
    const b = req.body as Static<typeof RegisterPhoneCallBody>;
    const outcome = await guarded(() =>
      calls.registerPhoneCall(workspaceOf(req), {
        agentId: b.agent_id,
        ...(b.agent_version != null ? { agentVersion: b.agent_version } : {}),
        ...(b.agent_override ? { agentOverride: b.agent_override } : {}),
        ...(b.from_number ? { fromNumber: b.from_number } : {}),
        ...(b.to_number ? { toNumber: b.to_number } : {}),
        ...(b.direction ? { direction: b.direction } : {}),
        ...(b.retell_llm_dynamic_variables ? { dynamicVariables: b.retell_llm_dynamic_variables } : {}),
        ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
      }),
    );
    return sendCreated(reply, outcome, true);
  });

  app.get("/v2/get-call/:call_id", { schema: { params: CallIdParams, tags: ["calls"] } }, async (req) => {
    const ws = workspaceOf(req);
    const { call_id } = req.params as Static<typeof CallIdParams>;
    const live = calls.live(call_id);
    const record = live && live.record.workspaceId === ws.id ? live.record : await store.calls.get(ws.id, call_id);
    if (!record) throw notFound("call", call_id);
    return toWireCall(record, urls);
  });

  app.post("/v3/list-calls", { schema: { body: ListCallsV3Body, tags: ["calls"] } }, async (req) => {
    const ws = workspaceOf(req);
    const result = await guardedStore(() => store.calls.list(ws.id, v3Query((req.body ?? {}) as Static<typeof ListCallsV3Body>)));
    return {
      items: result.items.map((r) => toWireCall(r, urls, { omitTranscripts: true })),
      has_more: result.hasMore,
      ...(result.paginationKey ? { pagination_key: result.paginationKey } : {}),
      ...(result.total !== undefined ? { total: result.total } : {}),
    };
  });

  app.post("/v2/list-calls", { schema: { body: ListCallsV2Body, tags: ["calls"] } }, async (req) => {
    const ws = workspaceOf(req);
    const body = (req.body ?? {}) as Static<typeof ListCallsV2Body>;
    // v2's cursor is the call_id of the last item seen.
    let cursor: string | undefined;
    if (body.pagination_key) {
      const last = await store.calls.get(ws.id, body.pagination_key);
      if (!last) throw new ApiError(400, `pagination_key: call ${body.pagination_key} not found`);
      cursor = encodePageKey(last.startTimestamp, last.callId);
    }
    const result = await guardedStore(() => store.calls.list(ws.id, v2Query(body, cursor)));
    return result.items.map((r) => toWireCall(r, urls));
  });

  app.patch("/v2/update-call/:call_id", { schema: { params: CallIdParams, body: UpdateCallBody, tags: ["calls"] } }, async (req) => {
    const { call_id } = req.params as Static<typeof CallIdParams>;
    const b = req.body as Static<typeof UpdateCallBody>;
    const updated = await guarded(() =>
      calls.updateCall(workspaceOf(req), call_id, {
        ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
        ...(b.data_storage_setting ? { dataStorageSetting: b.data_storage_setting } : {}),
        ...(b.custom_attributes ? { customAttributes: b.custom_attributes } : {}),
      }),
    );
    return toWireCall(updated, urls);
  });

  app.delete("/v2/delete-call/:call_id", { schema: { params: CallIdParams, tags: ["calls"] } }, async (req, reply) => {
    const { call_id } = req.params as Static<typeof CallIdParams>;
    await guarded(() => calls.deleteCall(workspaceOf(req), call_id));
    return reply.code(204).send();
  });

  app.post("/v2/stop-call/:call_id", { schema: { params: CallIdParams, tags: ["calls"] } }, async (req, reply) => {
    const { call_id } = req.params as Static<typeof CallIdParams>;
    await guarded(() => calls.stopCall(workspaceOf(req), call_id));
    return reply.code(204).send();
  });

  app.get("/get-concurrency", { schema: { tags: ["calls"] } }, async (req) => {
    const ws = workspaceOf(req);
    const current = await deps.limiter.current(ws.id);
    return {
      current_concurrency: current,
      concurrency_limit: ws.concurrencyLimit,
      base_concurrency: ws.concurrencyLimit,
      purchased_concurrency: 0,
      concurrency_purchase_limit: 0,
      remaining_purchase_limit: 0,
      concurrency_burst_enabled: false,
      concurrency_burst_limit: 0,
      reserved_inbound_concurrency: 0,
    };
  });
}

async function guardedStore<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && err.name === "StoreError" && (err as Error & { code?: string }).code === "invalid") throw new ApiError(400, err.message);
    throw err;
  }
}
