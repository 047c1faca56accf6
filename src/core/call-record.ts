import { statusAfter, type CallEnd } from "./call-end.js";
import type { CallStatus, DisconnectionReason, Fault, Phase } from "./reasons.js";

export type CallType = "phone_call" | "web_call";
export type Direction = "inbound" | "outbound";
export type DataStorageSetting = "everything" | "everything_except_pii" | "basic_attributes_only";

/** Signalling timestamps (epoch ms) kept as evidence of how far a call got. */
export interface SignallingTimestamps {
  invite?: number;
  firstProvisional?: number;
  ringing?: number;
  answered?: number;
  ack?: number;
  bye?: number;
}

/** The evidence grouped under `disconnection_detail` on the wire. */
export interface EndDetail {
  phase: Phase;
  fault: Fault;
  message: string;
  subReason?: string;
  sipCode?: number;
  sipPhrase?: string;
  /** Set when the ending came from a request of the far end (BYE) rather than a response. */
  sipMethod?: string;
  sipReasonHeader?: string;
  sipCarrierHeaders?: Record<string, string>;
}

export interface Utterance {
  role: "agent" | "user" | "transfer_target";
  content: string;
  words: { word?: string; start?: number; end?: number }[];
}

export interface LatencyStats {
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  max?: number;
  min?: number;
  num?: number;
  values?: number[];
}

/** A call as Parley stores it. Field names are camelCase; api/ maps them to Retell's wire names. */
export interface CallRecord {
  callId: string;
  workspaceId: string;
  callType: CallType;
  direction?: Direction;
  agentId: string;
  agentVersion: number;
  agentName?: string;
  callStatus: CallStatus;
  fromNumber?: string;
  toNumber?: string;
  metadata?: unknown;
  dynamicVariables?: Record<string, string>;
  collectedDynamicVariables?: Record<string, string>;
  customSipHeaders?: Record<string, string>;
  customAttributes?: Record<string, string | number | boolean>;
  dataStorageSetting: DataStorageSetting;
  /** Web calls: the token the client joins with. */
  accessToken?: string;
  /** The node that owns the live call; cleared once it ends. */
  ownerNode?: string;
  /** Epoch ms: when the call was created (the start of its life as far as the user sees). */
  startTimestamp: number;
  endTimestamp?: number;
  durationMs?: number;
  disconnectionReason?: DisconnectionReason;
  endDetail?: EndDetail;
  timestamps: SignallingTimestamps;
  transcript?: string;
  transcriptObject?: Utterance[];
  transcriptWithToolCalls?: unknown[];
  latency?: Record<string, LatencyStats>;
  callAnalysis?: Record<string, unknown>;
  recordingPath?: string;
  recordingMultiChannelPath?: string;
  pcapPath?: string;
  transferDestination?: string;
  telephonyIdentifier?: Record<string, string>;
}

const ALLOWED: Readonly<Record<CallStatus, readonly CallStatus[]>> = {
  registered: ["ongoing", "ended", "not_connected", "error"],
  ongoing: ["ended", "error"],
  ended: [],
  not_connected: [],
  error: [],
};

/** True when the status is terminal. */
export function isTerminal(status: CallStatus): boolean {
  return ALLOWED[status].length === 0;
}

/** Whether the state machine allows `from` → `to`. */
export function canTransition(from: CallStatus, to: CallStatus): boolean {
  return ALLOWED[from].includes(to);
}

export class IllegalTransition extends Error {
  constructor(readonly from: CallStatus, readonly to: CallStatus) {
    super(`call status cannot move from ${from} to ${to}`);
  }
}

/** Marks a registered call as connected. */
export function markOngoing(record: CallRecord, at: number): CallRecord {
  if (!canTransition(record.callStatus, "ongoing")) throw new IllegalTransition(record.callStatus, "ongoing");
  return { ...record, callStatus: "ongoing", timestamps: { answered: at, ...record.timestamps } };
}

/**
 * Applies an ending to a live record: terminal status from the catalogue, end time, duration and
 * the evidence. An ongoing call cannot become `not_connected`; such an ending is a bug at its source.
 */
export function applyEnd(record: CallRecord, end: CallEnd): CallRecord {
  const status = statusAfter(end);
  if (!canTransition(record.callStatus, status)) throw new IllegalTransition(record.callStatus, status);
  const endTimestamp = Math.max(end.at, record.startTimestamp);
  const detail: EndDetail = { phase: end.phase, fault: end.fault, message: end.message };
  if (end.subReason !== undefined) detail.subReason = end.subReason;
  if (end.sip) {
    if ("code" in end.sip) {
      detail.sipCode = end.sip.code;
      detail.sipPhrase = end.sip.phrase;
    } else detail.sipMethod = end.sip.method;
    if (end.sip.reasonHeader !== undefined) detail.sipReasonHeader = end.sip.reasonHeader;
    if (end.sip.carrierHeaders !== undefined) detail.sipCarrierHeaders = { ...end.sip.carrierHeaders };
  }
  const { ownerNode: _owner, ...rest } = record;
  return {
    ...rest,
    callStatus: status,
    disconnectionReason: end.reason,
    endDetail: detail,
    endTimestamp,
    durationMs: endTimestamp - record.startTimestamp,
  };
}
