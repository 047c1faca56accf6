import type { AgentWeight, PhoneNumber } from "../store/types.js";
import type { TrunkHealth } from "../telephony/trunk-health.js";

const weights = (w: AgentWeight[] | undefined) =>
  w?.map((x) => ({ agent_id: x.agentId, ...(x.agentVersion !== undefined ? { agent_version: x.agentVersion } : {}), weight: x.weight }));

/** The Retell PhoneNumberResponse; the trunk password is never returned. */
export function toWireNumber(n: PhoneNumber, health?: TrunkHealth): Record<string, unknown> {
  const inbound = weights(n.inboundAgents);
  const outbound = weights(n.outboundAgents);
  return {
    ...n.config,
    phone_number: n.phoneNumber,
    phone_number_type: n.kind === "imported" ? "custom" : "retell-twilio",
    phone_number_pretty: n.phoneNumber,
    nickname: n.nickname ?? null,
    inbound_agents: inbound ?? null,
    outbound_agents: outbound ?? null,
    inbound_agent_id: inbound?.[0]?.agent_id ?? null,
    outbound_agent_id: outbound?.[0]?.agent_id ?? null,
    inbound_webhook_url: n.inboundWebhookUrl ?? null,
    fallback_agent_id: n.fallbackAgentId ?? null,
    allowed_inbound_country_list: n.allowedInboundCountries ?? null,
    allowed_outbound_country_list: n.allowedOutboundCountries ?? null,
    allowed_inbound_ips: n.allowedInboundIps ?? null,
    ...(n.kind === "imported"
      ? { sip_outbound_trunk_config: { termination_uri: n.terminationUri ?? null, auth_username: n.authUsername ?? null, transport: (n.transport ?? "tcp").toUpperCase() } }
      : {}),
    ...(health ? { parley_trunk_health: health } : {}),
    last_modification_timestamp: n.lastModificationTimestamp,
  };
}
