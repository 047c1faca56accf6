/**
 * The custom-LLM websocket protocol as it travels on the wire (spec/retell-api.md §8).
 * Field names stay snake_case here because these are the JSON shapes; the events the client emits
 * (events.ts) use camelCase.
 */

/** One transcript line as Retell sends it; `words` times are seconds into the call audio. */
export interface WireUtterance {
  readonly role: "agent" | "user" | "transfer_target";
  readonly content: string;
  readonly words?: readonly { readonly word?: string; readonly start?: number; readonly end?: number }[];
}

/** An item of `transcript_with_tool_calls`: an utterance or a bookkeeping entry keyed by `role`. */
export type WireTranscriptItem =
  | WireUtterance
  | { readonly role: "tool_call_invocation"; readonly tool_call_id: string; readonly name: string; readonly arguments: string }
  | { readonly role: "tool_call_result"; readonly tool_call_id: string; readonly content: string; readonly successful?: boolean }
  | { readonly role: "dtmf"; readonly digit: string };

// ---- Parley (acting as Retell) → LLM server: `interaction_type` ----

export interface PingPongOut {
  readonly interaction_type: "ping_pong";
  readonly timestamp: number;
}

export interface CallDetailsOut {
  readonly interaction_type: "call_details";
  /** The call object as at registration (retell-api.md §3.3). */
  readonly call: Readonly<Record<string, unknown>>;
}

export interface UpdateOnlyOut {
  readonly interaction_type: "update_only";
  readonly transcript: readonly WireUtterance[];
  readonly transcript_with_tool_calls?: readonly WireTranscriptItem[];
  readonly turntaking?: "agent_turn" | "user_turn";
}

export interface ResponseRequiredOut {
  readonly interaction_type: "response_required" | "reminder_required";
  readonly response_id: number;
  readonly transcript: readonly WireUtterance[];
  readonly transcript_with_tool_calls?: readonly WireTranscriptItem[];
  /** Parley extension: set on the request that follows a warm transfer that did not connect. */
  readonly transfer_cancelled?: WireTransferCancelled;
}

/** Parley extension: why a warm transfer was abandoned, so the agent can tell the caller and go on. */
export interface WireTransferCancelled {
  readonly transfer_number: string;
  /** The target leg's classified ending: `dial_busy`, `dial_no_answer`, `user_declined`, `dial_failed`, … */
  readonly reason: string;
  readonly message: string;
  /** The target's final SIP response, when it sent one (486, 603, 487 after our CANCEL…). */
  readonly sip_code?: number;
  readonly sip_phrase?: string;
}

/** Every frame Parley may send to the LLM server. */
export type OutgoingFrame = PingPongOut | CallDetailsOut | UpdateOnlyOut | ResponseRequiredOut;

// ---- LLM server → Parley: `response_type` ----

/** What the server may ask for in its first frame; every flag defaults to false. */
export interface WireConfig {
  readonly auto_reconnect?: boolean;
  readonly call_details?: boolean;
  readonly transcript_with_tool_calls?: boolean;
}

/** Fields that make the agent act once the content is spoken. */
export interface WireSpeechActions {
  readonly no_interruption_allowed?: boolean;
  readonly end_call?: boolean;
  readonly transfer_number?: string;
  readonly show_transferee_as_caller?: boolean;
  readonly digit_to_press?: string;
  /** Parley extension: `warm` dials the target and bridges it; absent uses the agent's `transfer_mode` (default cold). */
  readonly transfer_mode?: TransferMode;
  /** Parley extension, warm only: spoken to the target (not the caller) before the legs are bridged. */
  readonly transfer_whisper?: string;
  /** Parley extension, warm only: how long the target may ring before it is CANCELled. */
  readonly transfer_timeout_ms?: number;
}

/** Cold: SIP REFER, the agent hands the caller over. Warm: Parley dials the target and bridges it. */
export type TransferMode = "cold" | "warm";

export interface ConfigIn {
  readonly response_type: "config";
  readonly config: WireConfig;
}

export interface ResponseIn extends WireSpeechActions {
  readonly response_type: "response";
  readonly response_id: number;
  readonly content: string;
  readonly content_complete: boolean;
}

export interface AgentInterruptIn extends WireSpeechActions {
  readonly response_type: "agent_interrupt";
  readonly interrupt_id: number;
  readonly content: string;
  readonly content_complete: boolean;
}

/** Agent behaviour a server may change mid-call; unknown keys are not forwarded. */
export interface WireAgentConfig {
  readonly responsiveness?: number;
  readonly interruption_sensitivity?: number;
  readonly reminder_trigger_ms?: number;
  readonly reminder_max_count?: number;
}

export interface UpdateAgentIn {
  readonly response_type: "update_agent";
  readonly agent_config: WireAgentConfig;
}

export interface ToolCallInvocationIn {
  readonly response_type: "tool_call_invocation";
  readonly tool_call_id: string;
  readonly name: string;
  /** A JSON string, kept verbatim for the transcript. */
  readonly arguments: string;
}

export interface ToolCallResultIn {
  readonly response_type: "tool_call_result";
  readonly tool_call_id: string;
  readonly content: string;
  readonly successful?: boolean;
}

export interface MetadataIn {
  readonly response_type: "metadata";
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface PingPongIn {
  readonly response_type: "ping_pong";
  readonly timestamp: number;
}

/** Every valid frame the LLM server may send, after validation (validate.ts). */
export type IncomingFrame =
  | ConfigIn
  | ResponseIn
  | AgentInterruptIn
  | UpdateAgentIn
  | ToolCallInvocationIn
  | ToolCallResultIn
  | MetadataIn
  | PingPongIn;

export type ResponseType = IncomingFrame["response_type"];
