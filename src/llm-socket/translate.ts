import type { AgentConfigUpdate, LlmServerConfig, SpeechActions } from "./events.js";
import type { WireAgentConfig, WireConfig, WireSpeechActions } from "./messages.js";

/** Wire speech actions → event fields, keeping absent fields absent. */
export function speechActions(w: WireSpeechActions): SpeechActions {
  return {
    ...(w.end_call !== undefined ? { endCall: w.end_call } : {}),
    ...(w.transfer_number !== undefined ? { transferNumber: w.transfer_number } : {}),
    ...(w.show_transferee_as_caller !== undefined ? { showTransfereeAsCaller: w.show_transferee_as_caller } : {}),
    ...(w.digit_to_press !== undefined ? { digitToPress: w.digit_to_press } : {}),
    ...(w.no_interruption_allowed !== undefined ? { noInterruptionAllowed: w.no_interruption_allowed } : {}),
    ...(w.transfer_mode !== undefined ? { transferMode: w.transfer_mode } : {}),
    ...(w.transfer_whisper !== undefined ? { transferWhisper: w.transfer_whisper } : {}),
    ...(w.transfer_timeout_ms !== undefined ? { transferTimeoutMs: w.transfer_timeout_ms } : {}),
  };
}

/** The server's config with the protocol defaults (false) applied. */
export function serverConfig(w: WireConfig): LlmServerConfig {
  return {
    autoReconnect: w.auto_reconnect ?? false,
    callDetails: w.call_details ?? false,
    transcriptWithToolCalls: w.transcript_with_tool_calls ?? false,
  };
}

/** Wire `agent_config` → camelCase update. */
export function agentConfig(w: WireAgentConfig): AgentConfigUpdate {
  return {
    ...(w.responsiveness !== undefined ? { responsiveness: w.responsiveness } : {}),
    ...(w.interruption_sensitivity !== undefined ? { interruptionSensitivity: w.interruption_sensitivity } : {}),
    ...(w.reminder_trigger_ms !== undefined ? { reminderTriggerMs: w.reminder_trigger_ms } : {}),
    ...(w.reminder_max_count !== undefined ? { reminderMaxCount: w.reminder_max_count } : {}),
  };
}
