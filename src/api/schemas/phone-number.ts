import { Type } from "typebox";
import { Nullable, OneOf } from "./common.js";

const AgentWeight = Type.Object(
  {
    agent_id: Type.String({ minLength: 1 }),
    agent_version: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String()])),
    weight: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
const AgentWeights = Nullable(Type.Array(AgentWeight, { maxItems: 20 }));
const Transport = OneOf(["TLS", "TCP", "UDP", "tls", "tcp", "udp"] as const);
const Countries = Nullable(Type.Array(Type.String({ pattern: "^[A-Z]{2}$" })));

const shared = {
  inbound_agents: Type.Optional(AgentWeights),
  outbound_agents: Type.Optional(AgentWeights),
  inbound_agent_id: Type.Optional(Nullable(Type.String())),
  outbound_agent_id: Type.Optional(Nullable(Type.String())),
  inbound_agent_version: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  outbound_agent_version: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  inbound_webhook_url: Type.Optional(Nullable(Type.String({ pattern: "^https?://" }))),
  nickname: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  fallback_number: Type.Optional(Nullable(Type.String())),
  allowed_inbound_country_list: Type.Optional(Countries),
  allowed_outbound_country_list: Type.Optional(Countries),
  /** Parley: agent used when the inbound webhook fails. */
  fallback_agent_id: Type.Optional(Nullable(Type.String())),
  /** Parley: addresses (or IPv4 CIDRs) allowed to send calls for this number. */
  allowed_inbound_ips: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1, maxLength: 64 })))),
};

export const ImportNumberBody = Type.Object(
  {
    phone_number: Type.String({ minLength: 2, maxLength: 64 }),
    termination_uri: Type.String({ minLength: 1, maxLength: 255 }),
    sip_trunk_auth_username: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    sip_trunk_auth_password: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    transport: Type.Optional(Transport),
    ignore_e164_validation: Type.Optional(Type.Boolean()),
    ...shared,
  },
  { additionalProperties: false },
);

export const CreateNumberBody = Type.Object(
  {
    area_code: Type.Optional(Type.Integer({ minimum: 200, maximum: 999 })),
    country_code: Type.Optional(OneOf(["US", "CA"] as const)),
    toll_free: Type.Optional(Type.Boolean()),
    number_provider: Type.Optional(OneOf(["twilio", "telnyx"] as const)),
    phone_number: Type.Optional(Type.String({ minLength: 2, maxLength: 64 })),
    ...shared,
  },
  { additionalProperties: false },
);

export const UpdateNumberBody = Type.Object(
  {
    termination_uri: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    auth_username: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    auth_password: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    transport: Type.Optional(Transport),
    ...shared,
  },
  { additionalProperties: false },
);

export const NumberParams = Type.Object({ phone_number: Type.String({ minLength: 1, maxLength: 64 }) });
