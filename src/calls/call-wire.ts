import { reasonInfo, type CallRecord } from "../core/index.js";
import type { ArtifactUrls } from "./signed-urls.js";

/** The Retell call object plus Parley's evidence (`disconnection_detail`, `pcap_url`). */
export type WireCall = Record<string, unknown> & { call_id: string; call_status: string; call_type: string };

export interface WireOptions {
  /** list-calls v3 items leave the transcripts out. */
  readonly omitTranscripts?: boolean;
}

function put(o: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) o[key] = value;
}

/** Maps a stored call to Retell's wire shape (snake_case, epoch ms). */
export function toWireCall(r: CallRecord, urls: ArtifactUrls, opts: WireOptions = {}): WireCall {
  const o: WireCall = { call_id: r.callId, call_type: r.callType, call_status: r.callStatus };
  o.agent_id = r.agentId;
  o.agent_version = r.agentVersion;
  put(o, "agent_name", r.agentName);
  if (r.callType === "phone_call") {
    o.from_number = r.fromNumber ?? null;
    o.to_number = r.toNumber ?? null;
    o.direction = r.direction ?? "outbound";
    put(o, "telephony_identifier", r.telephonyIdentifier);
  } else {
    put(o, "access_token", r.accessToken);
  }
  put(o, "metadata", r.metadata);
  put(o, "retell_llm_dynamic_variables", r.dynamicVariables);
  put(o, "collected_dynamic_variables", r.collectedDynamicVariables);
  put(o, "custom_sip_headers", r.customSipHeaders);
  put(o, "custom_attributes", r.customAttributes);
  o.data_storage_setting = r.dataStorageSetting;
  o.start_timestamp = r.startTimestamp;
  put(o, "end_timestamp", r.endTimestamp);
  put(o, "duration_ms", r.durationMs);
  put(o, "transfer_destination", r.transferDestination);
  if (!opts.omitTranscripts) {
    put(o, "transcript", r.transcript);
    put(o, "transcript_object", r.transcriptObject);
    put(o, "transcript_with_tool_calls", r.transcriptWithToolCalls);
  }
  put(o, "latency", r.latency);
  put(o, "call_analysis", r.callAnalysis);
  put(o, "disconnection_reason", r.disconnectionReason);
  o.public_log_url = urls.url(r.callId, "log");
  if (r.recordingPath) o.recording_url = urls.url(r.callId, "recording");
  if (r.recordingMultiChannelPath) o.recording_multi_channel_url = urls.url(r.callId, "recording_multi");
  if (r.pcapPath) o.pcap_url = urls.url(r.callId, "pcap");
  if (r.disconnectionReason && r.endDetail) {
    const d = r.endDetail;
    const t = r.timestamps;
    o.disconnection_detail = {
      phase: d.phase,
      fault: d.fault,
      message: d.message,
      ...(d.subReason ? { sub_reason: d.subReason } : {}),
      remedy: reasonInfo(r.disconnectionReason).remedy,
      ...(d.sipCode !== undefined || d.sipMethod !== undefined
        ? {
            sip: {
              code: d.sipCode ?? null,
              phrase: d.sipPhrase ?? null,
              ...(d.sipMethod ? { method: d.sipMethod } : {}),
              reason_header: d.sipReasonHeader ?? null,
              carrier_headers: d.sipCarrierHeaders ?? {},
            },
          }
        : {}),
      timestamps: {
        invite: t.invite ?? null,
        first_provisional: t.firstProvisional ?? null,
        ringing: t.ringing ?? null,
        answered: t.answered ?? null,
        ack: t.ack ?? null,
        bye: t.bye ?? null,
      },
    };
  }
  return o;
}
