/**
 * The wire shapes the dashboard reads, as Parley's API sends them (Retell's snake_case plus
 * Parley's evidence). Kept here rather than imported from src/ so the bundle stays browser-only.
 */

import type { CallStatus, Fault, Phase } from "../../src/core/reasons.js";
import type { CallEvent, SipEventData } from "../../src/core/call-event.js";

// Type-only imports from core: erased at build time, so the bundle holds no server code.
export type { CallEvent, CallStatus, Fault, Phase, SipEventData };

export const CALL_STATUSES: readonly CallStatus[] = ["registered", "ongoing", "ended", "not_connected", "error"];

export interface SipDetail {
  readonly code: number;
  readonly phrase: string;
  readonly reason_header: string | null;
  readonly carrier_headers: Readonly<Record<string, string>>;
}

export interface SignallingTimes {
  readonly invite: number | null;
  readonly first_provisional: number | null;
  readonly ringing: number | null;
  readonly answered: number | null;
  readonly ack: number | null;
  readonly bye: number | null;
}

export interface DisconnectionDetail {
  readonly phase: Phase;
  readonly fault: Fault;
  readonly message: string;
  readonly sub_reason?: string;
  readonly remedy: string;
  readonly sip?: SipDetail;
  readonly timestamps: SignallingTimes;
}

export interface Word {
  readonly word?: string;
  readonly start?: number;
  readonly end?: number;
}

export interface Utterance {
  readonly role: "agent" | "user" | "transfer_target";
  readonly content: string;
  readonly words?: readonly Word[];
}

export interface LatencyStats {
  readonly p50?: number;
  readonly p90?: number;
  readonly p95?: number;
  readonly p99?: number;
  readonly max?: number;
  readonly min?: number;
  readonly num?: number;
}

export interface Call {
  readonly call_id: string;
  readonly call_type: "phone_call" | "web_call";
  readonly call_status: CallStatus;
  readonly agent_id: string;
  readonly agent_version?: number;
  readonly agent_name?: string;
  readonly direction?: "inbound" | "outbound";
  readonly from_number?: string | null;
  readonly to_number?: string | null;
  readonly start_timestamp: number;
  readonly end_timestamp?: number;
  readonly duration_ms?: number;
  readonly disconnection_reason?: string;
  readonly disconnection_detail?: DisconnectionDetail;
  readonly transcript?: string;
  readonly transcript_object?: readonly Utterance[];
  readonly latency?: Readonly<Record<string, LatencyStats>>;
  readonly public_log_url?: string;
  readonly recording_url?: string;
  readonly recording_multi_channel_url?: string;
  readonly pcap_url?: string;
}

export interface CallPage {
  readonly items: readonly Call[];
  readonly has_more: boolean;
  readonly pagination_key?: string;
  readonly total?: number;
}

export interface CallLog {
  readonly call_id: string;
  readonly events: readonly CallEvent[];
}

export interface ReasonRow {
  readonly reason: string;
  readonly call_status: CallStatus;
  readonly phases: readonly Phase[];
  readonly fault: Fault;
  readonly meaning: string;
  readonly mechanism: string;
  readonly remedy: string;
  readonly legacy: boolean;
}

export interface StatsBucket {
  readonly start: number;
  readonly end: number;
  readonly counts: Readonly<Record<string, number>>;
}

export interface CallStats {
  readonly scanned: number;
  readonly truncated: boolean;
  readonly by_status: Readonly<Record<CallStatus, number>>;
  readonly by_reason: Readonly<Record<string, number>>;
  readonly buckets: readonly StatsBucket[];
  readonly caller_numbers: readonly CallerNumberStats[];
}

export interface CallerNumberStats {
  readonly number: string;
  readonly total: number;
  readonly connected: number;
  readonly marked_as_spam: number;
  readonly user_declined: number;
  readonly busy_or_no_answer: number;
  readonly provider_failed: number;
}

export interface AgentSummary {
  readonly agent_id: string;
  readonly agent_name: string | null;
  readonly user_modified_timestamp: number;
}

export interface Agent {
  readonly agent_id: string;
  readonly version: number;
  readonly agent_name?: string | null;
  readonly voice_id?: string;
  readonly response_engine?: { readonly type: string; readonly llm_websocket_url?: string };
  readonly max_call_duration_ms?: number;
  readonly end_call_after_silence_ms?: number;
  readonly ring_duration_ms?: number;
  readonly last_modification_timestamp: number;
}

export interface AgentWeight {
  readonly agent_id: string;
  readonly weight: number;
}

export interface PhoneNumber {
  readonly phone_number: string;
  readonly phone_number_type: string;
  readonly nickname: string | null;
  readonly inbound_agents: readonly AgentWeight[] | null;
  readonly outbound_agents: readonly AgentWeight[] | null;
  readonly inbound_webhook_url: string | null;
  readonly sip_outbound_trunk_config?: { readonly termination_uri: string | null; readonly auth_username: string | null; readonly transport: string };
  readonly last_modification_timestamp: number;
}

export interface Voice {
  readonly voice_id: string;
  readonly voice_name: string;
}

/** `true` when `v` carries the fields of SIP event data (events come from the server untyped). */
export function isSipEventData(v: unknown): v is SipEventData {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.summary === "string" && typeof o.from === "string" && typeof o.to === "string" && typeof o.raw === "string";
}
