import { Type } from "typebox";
import { DataStorage, E164ish, Nullable, OneOf, StringMap, SortOrder } from "./common.js";

const AgentOverride = Type.Object(
  {
    agent: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    retell_llm: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    conversation_flow: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
const AgentVersion = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1 })]);

export const CreatePhoneCallBody = Type.Object(
  {
    from_number: E164ish,
    to_number: E164ish,
    override_agent_id: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
    override_agent_version: Type.Optional(Nullable(AgentVersion)),
    agent_override: Type.Optional(AgentOverride),
    retell_llm_dynamic_variables: Type.Optional(StringMap),
    metadata: Type.Optional(Type.Unknown()),
    custom_sip_headers: Type.Optional(StringMap),
    ignore_e164_validation: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const CreateWebCallBody = Type.Object(
  {
    agent_id: Type.String({ minLength: 1 }),
    agent_version: Type.Optional(Nullable(AgentVersion)),
    agent_override: Type.Optional(AgentOverride),
    metadata: Type.Optional(Type.Unknown()),
    retell_llm_dynamic_variables: Type.Optional(StringMap),
    current_node_id: Type.Optional(Type.String()),
    current_state: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const RegisterPhoneCallBody = Type.Object(
  {
    agent_id: Type.String({ minLength: 1 }),
    agent_version: Type.Optional(Nullable(AgentVersion)),
    agent_override: Type.Optional(AgentOverride),
    from_number: Type.Optional(E164ish),
    to_number: Type.Optional(E164ish),
    direction: Type.Optional(OneOf(["inbound", "outbound"] as const)),
    metadata: Type.Optional(Type.Unknown()),
    retell_llm_dynamic_variables: Type.Optional(StringMap),
  },
  { additionalProperties: false },
);

export const UpdateCallBody = Type.Object(
  {
    metadata: Type.Optional(Type.Unknown()),
    data_storage_setting: Type.Optional(DataStorage),
    custom_attributes: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
  },
  { additionalProperties: false },
);

export const CallIdParams = Type.Object({ call_id: Type.String({ minLength: 1, maxLength: 64 }) });

const StringFilter = Type.Object({ type: Type.Literal("string"), op: OneOf(["eq", "ne", "sw", "ew", "co"] as const), value: Type.String(), key: Type.Optional(Type.String()) });
const NumberFilter = Type.Object({ type: Type.Literal("number"), op: OneOf(["eq", "ne", "gt", "ge", "lt", "le"] as const), value: Type.Number(), key: Type.Optional(Type.String()) });
const RangeFilter = Type.Object({ type: Type.Literal("range"), op: Type.Literal("bt"), value: Type.Tuple([Type.Number(), Type.Number()]), key: Type.Optional(Type.String()) });
const EnumFilter = Type.Object({ type: Type.Literal("enum"), op: Type.Literal("in"), value: Type.Array(Type.String(), { maxItems: 1000 }), key: Type.Optional(Type.String()) });
const BoolFilter = Type.Object({ type: Type.Literal("boolean"), op: Type.Literal("eq"), value: Type.Boolean(), key: Type.Optional(Type.String()) });
const PresentFilter = Type.Object({ type: Type.Literal("present"), op: OneOf(["pr", "np"] as const), key: Type.Optional(Type.String()) });
const NumOrRange = Type.Union([NumberFilter, RangeFilter]);
const Keyed = Type.Array(Type.Union([StringFilter, NumberFilter, EnumFilter, BoolFilter, PresentFilter]), { maxItems: 50 });

export const ListCallsV3Body = Type.Object(
  {
    filter_criteria: Type.Optional(
      Type.Object(
        {
          agent: Type.Optional(Type.Array(Type.Object({ agent_id: Type.String(), version: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))) }), { maxItems: 100 })),
          agent_tag: Type.Optional(EnumFilter),
          batch_call_id: Type.Optional(StringFilter),
          call_id: Type.Optional(Type.Union([StringFilter, EnumFilter])),
          call_status: Type.Optional(EnumFilter),
          call_type: Type.Optional(EnumFilter),
          direction: Type.Optional(EnumFilter),
          disconnection_reason: Type.Optional(EnumFilter),
          data_storage_setting: Type.Optional(EnumFilter),
          user_sentiment: Type.Optional(EnumFilter),
          call_successful: Type.Optional(BoolFilter),
          in_voicemail: Type.Optional(BoolFilter),
          from_number: Type.Optional(StringFilter),
          to_number: Type.Optional(StringFilter),
          duration_ms: Type.Optional(NumOrRange),
          start_timestamp: Type.Optional(NumOrRange),
          end_timestamp: Type.Optional(NumOrRange),
          e2e_latency_p50: Type.Optional(NumOrRange),
          combined_cost: Type.Optional(NumOrRange),
          metadata: Type.Optional(Keyed),
          dynamic_variables: Type.Optional(Keyed),
          custom_analysis_data: Type.Optional(Keyed),
          custom_attributes: Type.Optional(Keyed),
          tool_calls: Type.Optional(Type.Array(Type.Unknown())),
        },
        { additionalProperties: false },
      ),
    ),
    sort_order: Type.Optional(SortOrder),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    skip: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    pagination_key: Type.Optional(Type.String({ maxLength: 512 })),
    include_total: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const Threshold = Type.Object({ lower_threshold: Type.Optional(Type.Number()), upper_threshold: Type.Optional(Type.Number()) }, { additionalProperties: false });
const StrList = Type.Array(Type.String(), { maxItems: 1000 });

export const ListCallsV2Body = Type.Object(
  {
    filter_criteria: Type.Optional(
      Type.Object(
        {
          call_id: Type.Optional(StrList),
          agent_id: Type.Optional(StrList),
          version: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))),
          call_status: Type.Optional(StrList),
          call_type: Type.Optional(StrList),
          direction: Type.Optional(StrList),
          disconnection_reason: Type.Optional(StrList),
          from_number: Type.Optional(StrList),
          to_number: Type.Optional(StrList),
          batch_call_id: Type.Optional(StrList),
          user_sentiment: Type.Optional(StrList),
          in_voicemail: Type.Optional(Type.Array(Type.Boolean())),
          call_successful: Type.Optional(Type.Array(Type.Boolean())),
          start_timestamp: Type.Optional(Threshold),
          end_timestamp: Type.Optional(Threshold),
          duration_ms: Type.Optional(Threshold),
          e2e_latency_p50: Type.Optional(Threshold),
        },
        { additionalProperties: Type.Array(Type.String()) },
      ),
    ),
    sort_order: Type.Optional(SortOrder),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    pagination_key: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);
