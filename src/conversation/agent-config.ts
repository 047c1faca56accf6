/** Parley's own ASR choice on an agent (Retell has no field for a self-hosted recogniser). */
export interface ParleyAsrConfig {
  readonly provider: "pocketsphinx" | "openai" | "deepgram";
  readonly base_url?: string;
  readonly api_key?: string;
  readonly model?: string;
  readonly language?: string;
  /** pocketsphinx: a JSGF grammar (text); without one the weak general model is used. */
  readonly jsgf?: string;
  /** pocketsphinx: phrases to build a grammar from when no `jsgf` is given. */
  readonly phrases?: readonly string[];
  /** Network providers: recognise with the embedded engine too, and use it if the network one fails. */
  readonly fallback?: "pocketsphinx";
}

/** Parley's TTS endpoint for `openai-*` voices. */
export interface ParleyTtsConfig {
  readonly base_url: string;
  readonly api_key?: string;
  readonly model?: string;
}

/** The Retell agent fields the conversation reads (all optional; Retell's defaults apply). */
export interface ConversationAgentConfig {
  readonly voice_id?: string;
  readonly voice_speed?: number;
  readonly responsiveness?: number;
  readonly interruption_sensitivity?: number;
  readonly reminder_trigger_ms?: number;
  readonly reminder_max_count?: number;
  readonly end_call_after_silence_ms?: number;
  readonly begin_message_delay_ms?: number;
  readonly boosted_keywords?: readonly string[];
  readonly stt_mode?: string;
  readonly response_engine?: { readonly type?: string; readonly llm_websocket_url?: string };
  readonly llm_websocket_url?: string;
  readonly parley_asr?: ParleyAsrConfig;
  readonly parley_tts?: ParleyTtsConfig;
  /** Parley: how `transfer_number` transfers when the LLM's response does not say (default cold). */
  readonly transfer_mode?: "cold" | "warm";
}

/** Conversation settings with Retell's defaults filled in (spec/retell-api.md §10). */
export interface ConversationSettings {
  responsiveness: number;
  interruptionSensitivity: number;
  reminderTriggerMs: number;
  reminderMaxCount: number;
  endCallAfterSilenceMs: number;
  beginMessageDelayMs: number;
  transferMode: "cold" | "warm";
}

function num(v: number | undefined, def: number, min: number, max: number): number {
  return typeof v === "number" && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : def;
}

/** Reads an agent's settings, clamping out-of-range values instead of failing the call. */
export function conversationSettings(a: ConversationAgentConfig): ConversationSettings {
  return {
    responsiveness: num(a.responsiveness, 1, 0, 1),
    interruptionSensitivity: num(a.interruption_sensitivity, 1, 0, 1),
    reminderTriggerMs: num(a.reminder_trigger_ms, 10_000, 0, 3_600_000),
    reminderMaxCount: Math.round(num(a.reminder_max_count, 1, 0, 100)),
    endCallAfterSilenceMs: num(a.end_call_after_silence_ms, 600_000, 0, 7_200_000),
    beginMessageDelayMs: num(a.begin_message_delay_ms, 0, 0, 5_000),
    transferMode: a.transfer_mode === "warm" ? "warm" : "cold",
  };
}

/** The agent's `llm_websocket_url` (custom-LLM response engine). */
export function llmUrlOf(a: ConversationAgentConfig): string | undefined {
  return a.response_engine?.llm_websocket_url ?? a.llm_websocket_url;
}
