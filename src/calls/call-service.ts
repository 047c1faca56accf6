import { callEnd, newCallId, newId, applyEnd, type CallEnd, type CallRecord, type CallType, type DataStorageSetting, type Direction } from "../core/index.js";
import type { Admission } from "../admission/admission.js";
import type { AgentConfig, AgentVersion, PhoneNumber, Store, Workspace } from "../store/types.js";
import { pickWeighted, pinnedVersion } from "./agent-choice.js";
import { CallSession, type LegRunner, type SessionLog } from "./call-session.js";
import { CallServiceError } from "./errors.js";
import type { ArtifactUrls } from "./signed-urls.js";
import { enqueueCallWebhook } from "./webhook-events.js";

/** What places an admitted outbound phone call; telephony/ provides the SIP one. */
export interface OutboundDialer {
  dial(session: CallSession, request: DialRequest): void;
}

export interface DialRequest {
  readonly trunk: PhoneNumber;
  readonly from: string;
  readonly to: string;
  readonly customSipHeaders: Readonly<Record<string, string>>;
  readonly ringDurationMs: number;
}

/** The dialer used when this node has no SIP: every call ends at once with a precise message. */
export const noSipDialer: OutboundDialer = {
  dial(session) {
    void session.end(callEnd("dial_failed", { phase: "dialing", fault: "platform", message: "outbound SIP is disabled on this node (PARLEY_SIP_DISABLED=1)" }));
  },
};

export interface CallServiceDeps {
  readonly store: Store;
  readonly admission: Admission;
  readonly urls: ArtifactUrls;
  readonly nodeId: string;
  readonly dialer: OutboundDialer;
  readonly kickWebhooks: () => void;
  readonly log: SessionLog & { info(obj: object, msg: string): void };
  readonly joinTimeoutMs: number;
  readonly registeredCallTimeoutMs: number;
  /** Runs on every connected leg (the conversation engine). */
  readonly legRunner?: LegRunner;
}

/** The outcome of a create request: the stored call, and whether admission refused it. */
export interface CreateOutcome {
  readonly call: CallRecord;
  readonly refused?: CallEnd;
  /** The live session when the call was admitted. */
  readonly session?: CallSession;
}

export interface CommonCallParams {
  readonly metadata?: unknown;
  readonly dynamicVariables?: Record<string, string>;
  readonly agentOverride?: { agent?: Record<string, unknown> };
}

const STORAGE_RANK: Readonly<Record<DataStorageSetting, number>> = { everything: 0, everything_except_pii: 1, basic_attributes_only: 2 };

/** Creates, tracks and stops calls: the live-session table of this node. */
export class CallService {
  readonly #d: CallServiceDeps;
  readonly #live = new Map<string, CallSession>();

  constructor(deps: CallServiceDeps) {
    this.#d = deps;
  }

  /** The live session of a call on this node. */
  live(callId: string): CallSession | undefined {
    return this.#live.get(callId);
  }

  get liveCount(): number {
    return this.#live.size;
  }

  /** create-phone-call: resolve number and agent, admit, then dial. */
  async createPhoneCall(
    ws: Workspace,
    p: CommonCallParams & { fromNumber: string; toNumber: string; overrideAgentId?: string; overrideAgentVersion?: number | string; customSipHeaders?: Record<string, string>; ignoreE164Validation?: boolean },
  ): Promise<CreateOutcome> {
    const trunk = await this.#d.store.phoneNumbers.get(ws.id, p.fromNumber);
    if (!trunk) throw new CallServiceError("not_found", "from_number", `from_number ${p.fromNumber} is not a phone number of this workspace`);
    let agentId = p.overrideAgentId;
    let version = pinnedVersion(p.overrideAgentVersion);
    if (!agentId) {
      const choice = pickWeighted(trunk.outboundAgents ?? []);
      if (!choice) throw new CallServiceError("invalid", "override_agent_id", `${p.fromNumber} has no outbound agent; set one on the number or pass override_agent_id`);
      agentId = choice.agentId;
      version = pinnedVersion(choice.agentVersion);
    }
    const agent = await this.#agent(ws.id, agentId, version, "override_agent_id");
    const config = this.#effectiveConfig(agent, p.agentOverride);
    const record = this.#newRecord(ws, agent, config, "phone_call", p, { direction: "outbound", fromNumber: p.fromNumber, toNumber: p.toNumber });
    if (p.customSipHeaders) record.customSipHeaders = p.customSipHeaders;
    return this.#admitAndStart(ws, record, config, {
      destination: { to: p.toNumber, fromKind: trunk.kind, ignoreE164Validation: p.ignoreE164Validation ?? false },
      start: (session, destination) =>
        this.#d.dialer.dial(session, {
          trunk,
          from: p.fromNumber,
          to: destination ?? p.toNumber,
          customSipHeaders: p.customSipHeaders ?? {},
          ringDurationMs: typeof config.ring_duration_ms === "number" ? config.ring_duration_ms : 30_000,
        }),
    });
  }

  /** create-web-call: the client must join within the join timeout. */
  async createWebCall(ws: Workspace, p: CommonCallParams & { agentId: string; agentVersion?: number | string }): Promise<CreateOutcome> {
    const agent = await this.#agent(ws.id, p.agentId, pinnedVersion(p.agentVersion), "agent_id");
    const config = this.#effectiveConfig(agent, p.agentOverride);
    const record = this.#newRecord(ws, agent, config, "web_call", p, {});
    record.accessToken = newId("ws_") + newId("ws_").slice(3);
    return this.#admitAndStart(ws, record, config, {
      start: (session) =>
        session.setTimer("join", this.#d.joinTimeoutMs, () =>
          void session.end(callEnd("error_user_not_joined", { phase: "setup", message: `the web client did not join within ${this.#d.joinTimeoutMs} ms of create-web-call` })),
        ),
    });
  }

  /** register-phone-call: the media stream must connect within the registration timeout. */
  async registerPhoneCall(
    ws: Workspace,
    p: CommonCallParams & { agentId: string; agentVersion?: number | string; fromNumber?: string; toNumber?: string; direction?: Direction },
  ): Promise<CreateOutcome> {
    const agent = await this.#agent(ws.id, p.agentId, pinnedVersion(p.agentVersion), "agent_id");
    const config = this.#effectiveConfig(agent, p.agentOverride);
    const extra: Partial<CallRecord> = { direction: p.direction ?? "inbound" };
    if (p.fromNumber) extra.fromNumber = p.fromNumber;
    if (p.toNumber) extra.toNumber = p.toNumber;
    const record = this.#newRecord(ws, agent, config, "phone_call", p, extra);
    return this.#admitAndStart(ws, record, config, {
      start: (session) =>
        session.setTimer("registered", this.#d.registeredCallTimeoutMs, () =>
          void session.end(callEnd("registered_call_timeout", { phase: "setup", message: `no media stream connected within ${this.#d.registeredCallTimeoutMs} ms of register-phone-call` })),
        ),
    });
  }

  /**
   * An inbound call to one of the workspace's numbers, after the telephony layer picked the agent.
   * Admission refuses it with a stored reason; the caller then answers the INVITE with an error.
   */
  async createInboundCall(
    ws: Workspace,
    p: CommonCallParams & { agentId: string; agentVersion?: number | string; fromNumber: string; toNumber: string; customSipHeaders?: Record<string, string> },
  ): Promise<CreateOutcome> {
    const agent = await this.#agent(ws.id, p.agentId, pinnedVersion(p.agentVersion), "agent_id");
    const config = this.#effectiveConfig(agent, p.agentOverride);
    const record = this.#newRecord(ws, agent, config, "phone_call", p, { direction: "inbound", fromNumber: p.fromNumber, toNumber: p.toNumber });
    if (p.customSipHeaders && Object.keys(p.customSipHeaders).length > 0) record.customSipHeaders = p.customSipHeaders;
    return this.#admitAndStart(ws, record, config, { phase: "inbound_setup", start: () => undefined });
  }

  /**
   * Stores an inbound call that failed before any agent could take it (e.g. the inbound webhook
   * failed and the number has no fallback agent), so the failure is visible like any other call.
   */
  async recordFailedInbound(ws: Workspace, p: { fromNumber: string; toNumber: string; agentId?: string; end: CallEnd }): Promise<CallRecord> {
    const record: CallRecord = {
      callId: newCallId(),
      workspaceId: ws.id,
      callType: "phone_call",
      direction: "inbound",
      agentId: p.agentId ?? "",
      agentVersion: 0,
      callStatus: "registered",
      fromNumber: p.fromNumber,
      toNumber: p.toNumber,
      dataStorageSetting: "everything",
      startTimestamp: Math.min(Date.now(), p.end.at),
      timestamps: {},
    };
    const ended = applyEnd(record, p.end);
    const queued = await this.#d.store.transaction(async (tx) => {
      await tx.calls.insert(ended);
      await tx.callEvents.append(ended.callId, [{ tMs: 0, at: ended.startTimestamp, type: "call.refused", data: { reason: p.end.reason, message: p.end.message } }]);
      return enqueueCallWebhook(tx, this.#d.urls, ended, "call_ended", undefined, ws.webhookUrl);
    });
    if (queued) this.#d.kickWebhooks();
    return ended;
  }

  /** stop-call: ends a live call with manual_stopped. */
  async stopCall(ws: Workspace, callId: string): Promise<void> {
    const session = this.#live.get(callId);
    if (session && session.record.workspaceId === ws.id) {
      await session.end(callEnd("manual_stopped", { phase: session.record.callStatus === "ongoing" ? "in_call" : "dialing", message: "stop-call was requested through the API" }));
      return;
    }
    const stored = await this.#d.store.calls.get(ws.id, callId);
    if (!stored) throw new CallServiceError("not_found", "call_id", `call ${callId} not found`);
    if (stored.disconnectionReason) throw new CallServiceError("invalid", "call_id", `call ${callId} already ended (${stored.disconnectionReason})`);
    throw new CallServiceError("invalid", "call_id", `call ${callId} is live on node ${stored.ownerNode ?? "unknown"}; send stop-call to that node`);
  }

  /** update-call: metadata, custom attributes, and a storage setting that may only tighten. */
  async updateCall(ws: Workspace, callId: string, patch: { metadata?: unknown; dataStorageSetting?: DataStorageSetting; customAttributes?: Record<string, string | number | boolean> }): Promise<CallRecord> {
    const session = this.#live.get(callId);
    const current = session?.record ?? (await this.#d.store.calls.get(ws.id, callId));
    if (!current || current.workspaceId !== ws.id) throw new CallServiceError("not_found", "call_id", `call ${callId} not found`);
    if (patch.metadata !== undefined && JSON.stringify(patch.metadata).length > 50_000) {
      throw new CallServiceError("invalid", "metadata", "must be at most 50 kB of JSON");
    }
    if (patch.dataStorageSetting && STORAGE_RANK[patch.dataStorageSetting] < STORAGE_RANK[current.dataStorageSetting]) {
      throw new CallServiceError("invalid", "data_storage_setting", `cannot be loosened from ${current.dataStorageSetting} to ${patch.dataStorageSetting}`);
    }
    const next: Partial<CallRecord> = {};
    if (patch.metadata !== undefined) next.metadata = patch.metadata;
    if (patch.dataStorageSetting) next.dataStorageSetting = patch.dataStorageSetting;
    if (patch.customAttributes) next.customAttributes = { ...current.customAttributes, ...patch.customAttributes };
    if (session) {
      session.update(next);
      await session.save();
      return session.record;
    }
    const updated = { ...current, ...next };
    await this.#d.store.calls.update(updated);
    return updated;
  }

  /** delete-call: only calls that have ended. */
  async deleteCall(ws: Workspace, callId: string): Promise<void> {
    if (this.#live.has(callId)) throw new CallServiceError("invalid", "call_id", `call ${callId} is still in progress; stop it first`);
    const stored = await this.#d.store.calls.get(ws.id, callId);
    if (!stored) throw new CallServiceError("not_found", "call_id", `call ${callId} not found`);
    if (!stored.disconnectionReason) throw new CallServiceError("invalid", "call_id", `call ${callId} is still in progress on node ${stored.ownerNode ?? "unknown"}`);
    await this.#d.store.calls.delete(ws.id, callId);
  }

  /**
   * Ends calls that a node left unfinished (this node after a crash, or a dead node) with
   * error_retell, and enqueues their call_ended. Returns how many were ended.
   */
  async sweepOrphans(ownerNode: string, why: string): Promise<number> {
    const orphans = await this.#d.store.calls.listUnfinished({ ownerNode });
    let n = 0;
    for (const rec of orphans) {
      if (this.#live.has(rec.callId)) continue;
      const end = callEnd("error_retell", { phase: rec.callStatus === "ongoing" ? "in_call" : "setup", message: why });
      const ended = applyEnd(rec, end);
      const ws = await this.#d.store.workspaces.get(rec.workspaceId);
      const agent = await this.#d.store.agents.getVersion(rec.workspaceId, rec.agentId, rec.agentVersion);
      await this.#d.store.transaction(async (tx) => {
        await tx.calls.update(ended);
        await tx.callEvents.append(rec.callId, [{ tMs: Math.max(0, end.at - rec.startTimestamp), at: end.at, type: "call.end", data: { reason: end.reason, message: why } }]);
        await enqueueCallWebhook(tx, this.#d.urls, ended, "call_ended", agent?.config, ws?.webhookUrl);
      });
      n++;
    }
    if (n > 0) this.#d.kickWebhooks();
    return n;
  }

  /** Ends every live call (shutdown), waiting for each to be stored. */
  async endAll(end: CallEnd): Promise<void> {
    await Promise.allSettled([...this.#live.values()].map((s) => s.end(end)));
  }

  async #agent(wsId: string, agentId: string, version: number | undefined, field: string): Promise<AgentVersion> {
    const agent = await this.#d.store.agents.getVersion(wsId, agentId, version);
    if (!agent) throw new CallServiceError("not_found", field, `agent ${agentId}${version !== undefined ? ` version ${version}` : ""} not found`);
    return agent;
  }

  #effectiveConfig(agent: AgentVersion, override: CommonCallParams["agentOverride"]): AgentConfig {
    return override?.agent ? { ...agent.config, ...override.agent } : agent.config;
  }

  #newRecord(ws: Workspace, agent: AgentVersion, config: AgentConfig, callType: CallType, p: CommonCallParams, extra: Partial<CallRecord>): CallRecord {
    const storage = config.data_storage_setting;
    const record: CallRecord = {
      callId: newCallId(),
      workspaceId: ws.id,
      callType,
      agentId: agent.agentId,
      agentVersion: agent.version,
      callStatus: "registered",
      dataStorageSetting: storage === "everything_except_pii" || storage === "basic_attributes_only" ? storage : "everything",
      startTimestamp: Date.now(),
      timestamps: {},
      ownerNode: this.#d.nodeId,
      ...extra,
    };
    if (agent.agentName) record.agentName = agent.agentName;
    if (p.metadata !== undefined) record.metadata = p.metadata;
    if (p.dynamicVariables) record.dynamicVariables = p.dynamicVariables;
    return record;
  }

  async #admitAndStart(
    ws: Workspace,
    record: CallRecord,
    config: AgentConfig,
    how: {
      destination?: { to: string; fromKind: "imported" | "purchased"; ignoreE164Validation: boolean };
      phase?: "admission" | "inbound_setup";
      start: (s: CallSession, destination?: string) => void;
    },
  ): Promise<CreateOutcome> {
    const verdict = await this.#d.admission.admit({
      workspaceId: ws.id,
      callId: record.callId,
      billingStatus: ws.billingStatus,
      concurrencyLimit: ws.concurrencyLimit,
      ...(how.destination ? { destination: how.destination } : {}),
      agentTexts: { agent_name: config.agent_name, general_prompt: config.general_prompt, begin_message: config.begin_message, metadata: record.metadata },
      operatorScamFlag: typeof config.scam_flag === "boolean" ? config.scam_flag : undefined,
      phase: how.phase ?? "admission",
    });
    if (!verdict.admitted) {
      const ended = applyEnd(record, verdict.end);
      const queued = await this.#d.store.transaction(async (tx) => {
        await tx.calls.insert(ended);
        await tx.callEvents.append(ended.callId, [
          { tMs: 0, at: record.startTimestamp, type: "call.created", data: { callType: record.callType } },
          { tMs: Math.max(0, verdict.end.at - record.startTimestamp), at: verdict.end.at, type: "call.refused", data: { reason: verdict.end.reason, message: verdict.end.message } },
        ]);
        return enqueueCallWebhook(tx, this.#d.urls, ended, "call_ended", config, ws.webhookUrl);
      });
      if (queued) this.#d.kickWebhooks();
      return { call: ended, refused: verdict.end };
    }
    const session = new CallSession(record, {
      store: this.#d.store,
      urls: this.#d.urls,
      agent: config,
      workspaceWebhookUrl: ws.webhookUrl,
      releaseLease: verdict.release,
      kickWebhooks: this.#d.kickWebhooks,
      log: this.#d.log,
      ...(this.#d.legRunner ? { legRunner: this.#d.legRunner } : {}),
    });
    try {
      await session.create();
    } catch (err) {
      await verdict.release();
      throw err;
    }
    session.log("call.created", { callType: record.callType });
    session.log("call.admitted", {});
    this.#live.set(record.callId, session);
    session.once("ended", () => this.#live.delete(record.callId));
    try {
      how.start(session, verdict.destination);
    } catch (err) {
      // Never a 5xx once the call exists: the failure becomes the call's ending.
      await session.end(callEnd("error_retell", { phase: "setup", message: `starting the call failed: ${String(err)}` }));
    }
    return { call: session.record, session };
  }
}
