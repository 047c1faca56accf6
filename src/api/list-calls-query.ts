import type { Static } from "typebox";
import { isDisconnectionReason } from "../core/index.js";
import type { CallEnumField, CallFilter, CallListQuery, KeyedSource } from "../store/types.js";
import { badRequest } from "./errors.js";
import type { ListCallsV2Body, ListCallsV3Body } from "./schemas/call.js";

type V3 = Static<typeof ListCallsV3Body>;
type V2 = Static<typeof ListCallsV2Body>;
type NumOrRange = { type: "number"; op: "eq" | "ne" | "gt" | "ge" | "lt" | "le"; value: number } | { type: "range"; op: "bt"; value: [number, number] };

const ENUM_VALUES: Partial<Record<CallEnumField, readonly string[]>> = {
  call_status: ["registered", "not_connected", "ongoing", "ended", "error"],
  call_type: ["web_call", "phone_call"],
  direction: ["inbound", "outbound"],
  data_storage_setting: ["everything", "everything_except_pii", "basic_attributes_only"],
};

function enumFilter(field: CallEnumField, values: readonly string[], path: string): CallFilter {
  const allowed = ENUM_VALUES[field];
  for (const v of values) {
    if (allowed && !allowed.includes(v)) throw badRequest(path, `"${v}" is not one of ${allowed.join(", ")}`);
    if (field === "disconnection_reason" && !isDisconnectionReason(v)) throw badRequest(path, `"${v}" is not a disconnection reason`);
  }
  return { kind: "in", field, values };
}

function numeric(field: "start_timestamp" | "end_timestamp" | "duration_ms", f: NumOrRange): CallFilter {
  if (f.type === "range") return { kind: "range", field, lo: f.value[0], hi: f.value[1] };
  return { kind: "number", field, op: f.op, value: f.value };
}

function keyed(source: KeyedSource, list: NonNullable<NonNullable<V3["filter_criteria"]>["metadata"]>, path: string): CallFilter[] {
  return list.map((f, i) => {
    const key = f.key;
    if (!key) throw badRequest(`${path}[${i}].key`, "is required");
    switch (f.type) {
      case "string":
        return { kind: "keyed", source, key, op: f.op, value: f.value };
      case "number": {
        const { op, value } = f;
        if (op !== "eq") throw badRequest(`${path}[${i}].op`, "only eq is supported on keyed number filters");
        return { kind: "keyed", source, key, op: "eq", value: String(value) };
      }
      case "boolean":
        return { kind: "keyed", source, key, op: "eq", value: String(f.value) };
      case "enum":
        return { kind: "keyed_in", source, key, values: f.value };
      case "present":
        return { kind: "keyed_present", source, key, present: f.op === "pr" };
    }
  });
}

/** Maps list-calls v3's typed filter_criteria onto the store's query. */
export function v3Query(body: V3): CallListQuery {
  const c = body.filter_criteria ?? {};
  const filters: CallFilter[] = [];
  const unsupported = (["agent_tag", "batch_call_id", "user_sentiment", "call_successful", "in_voicemail", "e2e_latency_p50", "combined_cost", "custom_analysis_data", "custom_attributes", "tool_calls"] as const)
    .filter((k) => c[k] !== undefined);
  if (unsupported.length > 0) throw badRequest(`filter_criteria.${unsupported[0]}`, "is not supported by this server yet");
  if (c.agent) filters.push({ kind: "agent", agents: c.agent.map((a) => ({ agentId: a.agent_id, ...(a.version ? { versions: a.version } : {}) })) });
  if (c.call_id) filters.push(c.call_id.type === "enum" ? enumFilter("call_id", c.call_id.value, "filter_criteria.call_id") : { kind: "string", field: "call_id", op: c.call_id.op, value: c.call_id.value });
  for (const f of ["call_status", "call_type", "direction", "disconnection_reason", "data_storage_setting"] as const) {
    const v = c[f];
    if (v) filters.push(enumFilter(f, v.value, `filter_criteria.${f}.value`));
  }
  if (c.from_number) filters.push({ kind: "string", field: "from_number", op: c.from_number.op, value: c.from_number.value });
  if (c.to_number) filters.push({ kind: "string", field: "to_number", op: c.to_number.op, value: c.to_number.value });
  for (const f of ["start_timestamp", "end_timestamp", "duration_ms"] as const) {
    const v = c[f];
    if (v) filters.push(numeric(f, v as NumOrRange));
  }
  if (c.metadata) filters.push(...keyed("metadata", c.metadata, "filter_criteria.metadata"));
  if (c.dynamic_variables) filters.push(...keyed("dynamic_variables", c.dynamic_variables, "filter_criteria.dynamic_variables"));
  return {
    filters,
    sortOrder: body.sort_order ?? "descending",
    limit: body.limit ?? 50,
    ...(body.pagination_key ? { paginationKey: body.pagination_key } : {}),
    ...(body.skip ? { skip: body.skip } : {}),
    ...(body.include_total ? { includeTotal: true } : {}),
    omitTranscripts: true,
  };
}

/** Maps legacy list-calls v2's array-valued filter_criteria onto the store's query. */
export function v2Query(body: V2, cursor: string | undefined): CallListQuery {
  const c = (body.filter_criteria ?? {}) as Record<string, unknown> & NonNullable<V2["filter_criteria"]>;
  const filters: CallFilter[] = [];
  if (c.agent_id) filters.push({ kind: "agent", agents: c.agent_id.map((id) => ({ agentId: id, ...(c.version ? { versions: c.version } : {}) })) });
  for (const f of ["call_id", "call_status", "call_type", "direction", "disconnection_reason"] as const) {
    const v = c[f];
    if (v) filters.push(enumFilter(f, v, `filter_criteria.${f}`));
  }
  for (const f of ["from_number", "to_number"] as const) {
    const v = c[f];
    if (v) filters.push(stringIn(f, v));
  }
  for (const f of ["start_timestamp", "end_timestamp", "duration_ms"] as const) {
    const t = c[f];
    if (t) filters.push({ kind: "range", field: f, ...(t.lower_threshold !== undefined ? { lo: t.lower_threshold } : {}), ...(t.upper_threshold !== undefined ? { hi: t.upper_threshold } : {}) });
  }
  for (const [k, v] of Object.entries(c)) {
    const m = /^(metadata|dynamic_variables)\.(.+)$/.exec(k);
    if (m && Array.isArray(v)) filters.push({ kind: "keyed_in", source: m[1] as KeyedSource, key: m[2]!, values: v as string[] });
  }
  return { filters, sortOrder: body.sort_order ?? "descending", limit: body.limit ?? 50, ...(cursor ? { paginationKey: cursor } : {}) };
}

function stringIn(field: "from_number" | "to_number", values: string[]): CallFilter {
  if (values.length !== 1) throw badRequest(`filter_criteria.${field}`, "takes exactly one number");
  return { kind: "string", field, op: "eq", value: values[0]! };
}
