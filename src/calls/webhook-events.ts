import type { CallRecord } from "../core/index.js";
import type { AgentConfig, Repositories } from "../store/types.js";
import { toWireCall } from "./call-wire.js";
import type { ArtifactUrls } from "./signed-urls.js";

export type CallWebhookEvent = "call_started" | "call_ended" | "call_analyzed" | "transcript_updated";

const DEFAULT_EVENTS: readonly string[] = ["call_started", "call_ended", "call_analyzed"];

/** Where an agent's webhooks go, and which events it wants. */
export function webhookTarget(agent: AgentConfig | undefined, workspaceUrl: string | undefined, event: CallWebhookEvent): string | undefined {
  const url = typeof agent?.webhook_url === "string" && agent.webhook_url ? agent.webhook_url : workspaceUrl;
  if (!url) return undefined;
  const events = Array.isArray(agent?.webhook_events) ? (agent.webhook_events as unknown[]) : DEFAULT_EVENTS;
  return events.includes(event) ? url : undefined;
}

/**
 * Puts a call webhook in the outbox. The body is fixed now (compact JSON.stringify, as Retell's
 * receivers re-serialise it to verify) and signed at send time.
 */
export async function enqueueCallWebhook(
  repos: Repositories,
  urls: ArtifactUrls,
  record: CallRecord,
  event: CallWebhookEvent,
  agent: AgentConfig | undefined,
  workspaceUrl: string | undefined,
): Promise<boolean> {
  const url = webhookTarget(agent, workspaceUrl, event);
  if (!url) return false;
  const call = toWireCall(record, urls, { omitTranscripts: event === "call_started" });
  await repos.outbox.enqueue({ workspaceId: record.workspaceId, callId: record.callId, event, url, payload: JSON.stringify({ event, call }) });
  return true;
}
