import type { AgentVersion } from "../store/types.js";

/** The Retell AgentResponse for a stored version. */
export function toWireAgent(a: AgentVersion): Record<string, unknown> {
  return {
    ...a.config,
    agent_id: a.agentId,
    version: a.version,
    is_published: a.isPublished,
    last_modification_timestamp: a.lastModificationTimestamp,
  };
}
