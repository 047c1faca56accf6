/**
 * CallRecord ⇄ calls row. Filtered and sorted fields get columns; the rest is JSON, with every
 * field this file does not know about kept in `extra` so the round trip stays lossless as
 * CallRecord grows.
 */
import type { Selectable } from "kysely";
import type { CallRecord, EndDetail, SignallingTimestamps } from "../core/call-record.js";
import { isDisconnectionReason, type CallStatus, type DisconnectionReason } from "../core/reasons.js";
import type { CallsTable } from "./db-schema.js";
import { fromJson, toJson } from "./json-column.js";
import { StoreError } from "./types.js";

const STATUSES: readonly CallStatus[] = ["registered", "ongoing", "ended", "not_connected", "error"];
const CALL_TYPES: readonly string[] = ["phone_call", "web_call"];
const DIRECTIONS: readonly string[] = ["inbound", "outbound"];
const STORAGE: readonly string[] = ["everything", "everything_except_pii", "basic_attributes_only"];

/** Statuses of a call that has not ended yet. */
export const UNFINISHED_STATUSES: readonly CallStatus[] = ["registered", "ongoing"];
export const CALL_STATUSES = STATUSES;

interface Transcripts {
  transcript?: CallRecord["transcript"];
  transcriptObject?: CallRecord["transcriptObject"];
  transcriptWithToolCalls?: CallRecord["transcriptWithToolCalls"];
}

const isEpochMs = (v: unknown): boolean => typeof v === "number" && Number.isSafeInteger(v);
const isObject = (v: unknown): boolean => typeof v === "object" && v !== null && !Array.isArray(v);

/** Throws `invalid` naming every problem, before anything is written. */
export function checkCallRecord(r: CallRecord): void {
  const problems: string[] = [];
  if (typeof r !== "object" || r === null) throw new StoreError("invalid", "a call record must be an object");
  if (typeof r.callId !== "string" || r.callId.length === 0) problems.push("callId must be a non-empty string");
  if (typeof r.workspaceId !== "string" || r.workspaceId.length === 0) problems.push("workspaceId must be a non-empty string");
  if (!CALL_TYPES.includes(r.callType)) problems.push(`callType must be one of ${CALL_TYPES.join(", ")}`);
  if (r.direction !== undefined && !DIRECTIONS.includes(r.direction)) problems.push(`direction must be one of ${DIRECTIONS.join(", ")}`);
  if (typeof r.agentId !== "string") problems.push("agentId must be a string");
  if (!Number.isInteger(r.agentVersion) || r.agentVersion < 0) problems.push("agentVersion must be a whole number ≥ 0");
  if (!STATUSES.includes(r.callStatus)) problems.push(`callStatus must be one of ${STATUSES.join(", ")}`);
  if (!STORAGE.includes(r.dataStorageSetting)) problems.push(`dataStorageSetting must be one of ${STORAGE.join(", ")}`);
  if (!isEpochMs(r.startTimestamp)) problems.push("startTimestamp must be epoch ms");
  if (r.endTimestamp !== undefined && !isEpochMs(r.endTimestamp)) problems.push("endTimestamp must be epoch ms");
  if (r.durationMs !== undefined && !isEpochMs(r.durationMs)) problems.push("durationMs must be whole ms");
  if (r.disconnectionReason !== undefined && !isDisconnectionReason(r.disconnectionReason)) problems.push(`unknown disconnectionReason "${String(r.disconnectionReason)}"`);
  if (!isObject(r.timestamps)) problems.push("timestamps must be an object");
  if (r.dynamicVariables !== undefined && !isObject(r.dynamicVariables)) problems.push("dynamicVariables must be an object");
  if (r.endDetail !== undefined && !isObject(r.endDetail)) problems.push("endDetail must be an object");
  if (problems.length > 0) throw new StoreError("invalid", `bad call record ${String(r.callId)}: ${problems.join("; ")}`);
}

/** The row for a (checked) record. */
export function callToRow(r: CallRecord): Selectable<CallsTable> {
  const {
    callId, workspaceId, callType, direction, agentId, agentVersion, callStatus, disconnectionReason,
    dataStorageSetting, fromNumber, toNumber, startTimestamp, endTimestamp, durationMs, ownerNode,
    metadata, dynamicVariables, endDetail, timestamps, transcript, transcriptObject, transcriptWithToolCalls,
    ...extra
  } = r;
  const transcripts: Transcripts = {};
  if (transcript !== undefined) transcripts.transcript = transcript;
  if (transcriptObject !== undefined) transcripts.transcriptObject = transcriptObject;
  if (transcriptWithToolCalls !== undefined) transcripts.transcriptWithToolCalls = transcriptWithToolCalls;
  return {
    call_id: callId,
    workspace_id: workspaceId,
    call_type: callType,
    direction: direction ?? null,
    agent_id: agentId,
    agent_version: agentVersion,
    call_status: callStatus,
    disconnection_reason: disconnectionReason ?? null,
    data_storage_setting: dataStorageSetting,
    from_number: fromNumber ?? null,
    to_number: toNumber ?? null,
    start_timestamp: startTimestamp,
    end_timestamp: endTimestamp ?? null,
    duration_ms: durationMs ?? null,
    owner_node: ownerNode ?? null,
    end_phase: endDetail?.phase ?? null,
    end_fault: endDetail?.fault ?? null,
    end_sip_code: endDetail?.sipCode ?? null,
    metadata: toJson(metadata),
    dynamic_variables: toJson(dynamicVariables),
    end_detail: toJson(endDetail),
    timestamps: JSON.stringify(timestamps),
    transcripts: Object.keys(transcripts).length > 0 ? JSON.stringify(transcripts) : null,
    extra: JSON.stringify(extra),
  };
}

/** A row (possibly without `transcripts`) back to the record. */
export function rowToCall(row: Omit<Selectable<CallsTable>, "transcripts"> & { transcripts?: string | null }): CallRecord {
  const where = `call ${row.call_id}`;
  const extra = fromJson<Partial<CallRecord>>(row.extra, where) ?? {};
  const r: CallRecord = {
    ...extra,
    callId: row.call_id,
    workspaceId: row.workspace_id,
    callType: row.call_type as CallRecord["callType"],
    agentId: row.agent_id,
    agentVersion: row.agent_version,
    callStatus: row.call_status as CallStatus,
    dataStorageSetting: row.data_storage_setting as CallRecord["dataStorageSetting"],
    startTimestamp: row.start_timestamp,
    timestamps: fromJson<SignallingTimestamps>(row.timestamps, where) ?? {},
  };
  if (row.direction !== null) r.direction = row.direction as CallRecord["direction"] & string;
  if (row.disconnection_reason !== null) r.disconnectionReason = row.disconnection_reason as DisconnectionReason;
  if (row.from_number !== null) r.fromNumber = row.from_number;
  if (row.to_number !== null) r.toNumber = row.to_number;
  if (row.end_timestamp !== null) r.endTimestamp = row.end_timestamp;
  if (row.duration_ms !== null) r.durationMs = row.duration_ms;
  if (row.owner_node !== null) r.ownerNode = row.owner_node;
  if (row.metadata !== null) r.metadata = fromJson<unknown>(row.metadata, where);
  const vars = fromJson<Record<string, string>>(row.dynamic_variables, where);
  if (vars !== undefined) r.dynamicVariables = vars;
  const detail = fromJson<EndDetail>(row.end_detail, where);
  if (detail !== undefined) r.endDetail = detail;
  const transcripts = fromJson<Transcripts>(row.transcripts ?? null, where);
  if (transcripts !== undefined) Object.assign(r, transcripts);
  return r;
}
