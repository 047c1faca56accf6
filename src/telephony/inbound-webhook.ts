import { signWebhook } from "../webhooks/signature.js";

/** What the user's inbound webhook may decide about a call (Retell's `call_inbound` answer). */
export interface InboundDecision {
  readonly overrideAgentId?: string;
  readonly overrideAgentVersion?: number;
  readonly dynamicVariables?: Record<string, string>;
  readonly metadata?: unknown;
  readonly agentOverride?: { agent?: Record<string, unknown> };
}

export type InboundWebhookResult = { readonly ok: true; readonly decision: InboundDecision } | { readonly ok: false; readonly error: string; readonly attempts: number };

export interface InboundWebhookRequest {
  readonly url: string;
  readonly signingKey: string | undefined;
  readonly callId: string;
  readonly fromNumber: string;
  readonly toNumber: string;
  readonly agentId?: string;
  readonly agentVersion?: number;
  readonly customSipHeaders?: Record<string, string>;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly backoffMs?: number;
}

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

/** Checks the answer's shape; a wrong type is a failed webhook, as a bad answer is no answer. */
export function parseInboundAnswer(body: string): { ok: true; decision: InboundDecision } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = body.trim() === "" ? {} : JSON.parse(body);
  } catch {
    return { ok: false, error: "the answer is not JSON" };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { ok: false, error: "the answer is not a JSON object" };
  const inner = (json as Record<string, unknown>).call_inbound ?? {};
  if (typeof inner !== "object" || inner === null || Array.isArray(inner)) return { ok: false, error: "call_inbound is not an object" };
  const c = inner as Record<string, unknown>;
  const d: { -readonly [K in keyof InboundDecision]: InboundDecision[K] } = {};
  if (c.override_agent_id !== undefined && c.override_agent_id !== null) {
    if (typeof c.override_agent_id !== "string") return { ok: false, error: "call_inbound.override_agent_id is not a string" };
    d.overrideAgentId = c.override_agent_id;
  }
  if (c.override_agent_version !== undefined && c.override_agent_version !== null) {
    if (!Number.isInteger(c.override_agent_version)) return { ok: false, error: "call_inbound.override_agent_version is not an integer" };
    d.overrideAgentVersion = c.override_agent_version as number;
  }
  if (c.dynamic_variables !== undefined && c.dynamic_variables !== null) {
    if (!isStringMap(c.dynamic_variables)) return { ok: false, error: "call_inbound.dynamic_variables must map strings to strings" };
    d.dynamicVariables = c.dynamic_variables;
  }
  if (c.metadata !== undefined) d.metadata = c.metadata;
  if (c.agent_override !== undefined && c.agent_override !== null) {
    if (typeof c.agent_override !== "object") return { ok: false, error: "call_inbound.agent_override is not an object" };
    d.agentOverride = c.agent_override as { agent?: Record<string, unknown> };
  }
  return { ok: true, decision: d };
}

/**
 * Asks the number's inbound webhook what to do with a call, as Retell does: signed POST,
 * 10 s timeout, up to 3 retries; the call keeps ringing meanwhile.
 */
export async function askInboundWebhook(r: InboundWebhookRequest): Promise<InboundWebhookResult> {
  const body = JSON.stringify({
    event: "call_inbound",
    call_inbound: {
      call_id: r.callId,
      ...(r.agentId ? { agent_id: r.agentId } : {}),
      ...(r.agentVersion !== undefined ? { agent_version: r.agentVersion } : {}),
      from_number: r.fromNumber,
      to_number: r.toNumber,
      ...(r.customSipHeaders && Object.keys(r.customSipHeaders).length > 0 ? { custom_sip_headers: r.customSipHeaders } : {}),
    },
  });
  const tries = 1 + (r.retries ?? 3);
  let error = "not attempted";
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      const res = await fetch(r.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(r.signingKey ? { "x-retell-signature": signWebhook(body, r.signingKey) } : {}) },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(r.timeoutMs ?? 10_000),
      });
      const text = await res.text();
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
      else {
        const parsed = parseInboundAnswer(text);
        if (parsed.ok) return { ok: true, decision: parsed.decision };
        error = parsed.error;
      }
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      error = e.name === "TimeoutError" ? `no answer within ${r.timeoutMs ?? 10_000} ms` : (e.cause?.code ?? e.message);
    }
    if (attempt < tries) await new Promise((res) => setTimeout(res, (r.backoffMs ?? 500) * attempt));
  }
  return { ok: false, error, attempts: tries };
}
