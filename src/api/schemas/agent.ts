import { Type } from "typebox";
import { DataStorage, Nullable, OneOf, SortOrder } from "./common.js";

const ResponseEngine = Type.Union([
  Type.Object({ type: Type.Literal("custom-llm"), llm_websocket_url: Type.String({ pattern: "^wss?://" }) }),
  Type.Object({ type: Type.Literal("retell-llm"), llm_id: Type.String({ minLength: 1 }), version: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))) }),
  Type.Object({ type: Type.Literal("conversation-flow"), conversation_flow_id: Type.String({ minLength: 1 }), version: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))) }),
]);

const VoicemailAction = Type.Union([
  Type.Object({ type: Type.Literal("prompt"), text: Type.String() }),
  Type.Object({ type: Type.Literal("static_text"), text: Type.String() }),
  Type.Object({ type: Type.Literal("hangup") }),
  Type.Object({ type: Type.Literal("bridge_transfer") }),
]);

/**
 * The agent fields Parley acts on, with Retell's ranges. Unknown Retell fields are accepted and
 * kept, so newer SDKs keep working; the fields below are checked strictly.
 */
const agentFields = {
  agent_name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  response_engine: ResponseEngine,
  voice_id: Type.String({ minLength: 1 }),
  voice_model: Type.Optional(Nullable(Type.String())),
  voice_speed: Type.Optional(Type.Number({ minimum: 0.5, maximum: 2 })),
  voice_temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  volume: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  fallback_voice_ids: Type.Optional(Nullable(Type.Array(Type.String()))),
  interruption_sensitivity: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  responsiveness: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  enable_backchannel: Type.Optional(Type.Boolean()),
  backchannel_frequency: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  reminder_trigger_ms: Type.Optional(Type.Integer({ minimum: 1 })),
  reminder_max_count: Type.Optional(Type.Integer({ minimum: 0 })),
  begin_message_delay_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 5000 })),
  end_call_after_silence_ms: Type.Optional(Type.Integer({ minimum: 10_000 })),
  max_call_duration_ms: Type.Optional(Type.Integer({ minimum: 60_000, maximum: 7_200_000 })),
  ring_duration_ms: Type.Optional(Type.Integer({ minimum: 5_000, maximum: 300_000 })),
  language: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  webhook_url: Type.Optional(Nullable(Type.String({ pattern: "^https?://" }))),
  webhook_events: Type.Optional(Nullable(Type.Array(Type.String()))),
  webhook_timeout_ms: Type.Optional(Type.Integer({ minimum: 1000, maximum: 60_000 })),
  data_storage_setting: Type.Optional(DataStorage),
  opt_in_signed_url: Type.Optional(Type.Boolean()),
  signed_url_expiration_ms: Type.Optional(Type.Integer({ minimum: 60_000 })),
  voicemail_option: Type.Optional(Nullable(Type.Object({ action: VoicemailAction }))),
  ivr_option: Type.Optional(Nullable(Type.Object({ action: Type.Object({ type: Type.Literal("hangup") }) }))),
  allow_user_dtmf: Type.Optional(Type.Boolean()),
  ambient_sound: Type.Optional(Nullable(OneOf(["coffee-shop", "convention-hall", "summer-outdoor", "mountain-outdoor", "static-noise", "call-center"] as const))),
  stt_mode: Type.Optional(OneOf(["fast", "accurate", "custom"] as const)),
  version_title: Type.Optional(Type.String()),
  version_description: Type.Optional(Type.String()),
  /** Parley: an operator's scam verdict (true flags, false clears the rules' verdict). */
  scam_flag: Type.Optional(Nullable(Type.Boolean())),
  /** Parley: how a response's `transfer_number` transfers when it has no `transfer_mode` (docs/llm-websocket.md). */
  transfer_mode: Type.Optional(OneOf(["cold", "warm"] as const)),
};

export const AgentCreateBody = Type.Object(agentFields, { additionalProperties: true });
export const AgentUpdateBody = Type.Partial(Type.Object(agentFields), { additionalProperties: true });

export const AgentVersionQuery = Type.Object({ version: Type.Optional(Type.String({ pattern: "^[0-9]{1,9}$" })) }, { additionalProperties: false });
export const AgentIdParams = Type.Object({ agent_id: Type.String({ minLength: 1, maxLength: 64 }) });
export const CreateVersionBody = Type.Object({ base_version: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false });
export const PublishBody = Type.Object(
  { version: Type.Integer({ minimum: 0 }), version_title: Type.Optional(Type.String()), version_description: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,4}$" })),
    pagination_key: Type.Optional(Type.String({ maxLength: 512 })),
    sort_order: Type.Optional(SortOrder),
  },
  { additionalProperties: true },
);
