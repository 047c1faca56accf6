import type { CallEnd } from "../core/call-end.js";
import type { OutgoingFrame, ResponseType, TransferMode } from "./messages.js";

/** What the server asked the agent to do once a piece of content has been spoken. */
export interface SpeechActions {
  readonly endCall?: boolean;
  readonly transferNumber?: string;
  readonly showTransfereeAsCaller?: boolean;
  readonly digitToPress?: string;
  readonly noInterruptionAllowed?: boolean;
  /** Parley extension (see docs/llm-websocket.md "Warm transfer"). */
  readonly transferMode?: TransferMode;
  readonly transferWhisper?: string;
  readonly transferTimeoutMs?: number;
}

/** The server's `config`, with the protocol's defaults (all false) filled in. */
export interface LlmServerConfig {
  readonly autoReconnect: boolean;
  readonly callDetails: boolean;
  readonly transcriptWithToolCalls: boolean;
}

/** Agent settings the server may change mid-call (`update_agent`); only keys it sent are present. */
export interface AgentConfigUpdate {
  readonly responsiveness?: number;
  readonly interruptionSensitivity?: number;
  readonly reminderTriggerMs?: number;
  readonly reminderMaxCount?: number;
}

/** Why a frame the server sent was not acted upon (the socket stays open). */
export type DropCause = "superseded" | "not_requested" | "already_complete" | "begin_repeated" | "interrupted";

/**
 * Everything an `LlmSocket` reports, in order. The conversation engine consumes the speech events;
 * the call's detailed log records the taps (`frame_in`, `frame_out`) and connection events.
 */
export type LlmSocketEvent =
  /** A connection is open; `attempt` counts from 1 per dial, `reconnect` after a drop. */
  | { readonly type: "open"; readonly url: string; readonly attempt: number; readonly reconnect: boolean }
  /** A dial attempt failed and another will follow after `retryInMs`. */
  | { readonly type: "open_failed"; readonly attempt: number; readonly message: string; readonly retryInMs: number }
  /** The connection broke and the socket is dialling again (auto_reconnect). */
  | { readonly type: "reconnecting"; readonly reconnect: number; readonly cause: string }
  | { readonly type: "config"; readonly config: LlmServerConfig }
  /**
   * A streamed piece of the answer to `responseId` (0 is the begin message). `complete` marks the
   * last piece; actions may arrive on any piece and apply after the content is spoken. `elapsedMs`
   * counts from sending the request (for the begin message: from the connection opening), so the
   * first chunk's value is the LLM latency including the websocket round trip.
   */
  | ({
      readonly type: "response_chunk";
      readonly responseId: number;
      readonly content: string;
      readonly complete: boolean;
      readonly elapsedMs: number;
    } & SpeechActions)
  /** Speak now, interrupting whoever is talking; a new `interruptId` discards the previous interrupt. */
  | ({ readonly type: "agent_interrupt"; readonly interruptId: number; readonly content: string; readonly complete: boolean } & SpeechActions)
  | { readonly type: "update_agent"; readonly agentConfig: AgentConfigUpdate }
  | { readonly type: "tool_call_invocation"; readonly toolCallId: string; readonly name: string; readonly arguments: string }
  | { readonly type: "tool_call_result"; readonly toolCallId: string; readonly content: string; readonly successful?: boolean }
  | { readonly type: "metadata"; readonly metadata: Readonly<Record<string, unknown>> }
  /** One ping_pong round trip, for the call's `llm_websocket_network_rtt` latency. */
  | { readonly type: "rtt"; readonly rttMs: number }
  /** A valid frame that was not acted upon, with why. */
  | { readonly type: "dropped"; readonly frame: "response" | "agent_interrupt"; readonly id: number; readonly cause: DropCause }
  /**
   * Raw text of every frame received (binary frames are shown as `<binary N bytes>`); `kind` is the
   * validated `response_type`, so a log can leave out the ping_pong chatter.
   */
  | { readonly type: "frame_in"; readonly raw: string; readonly kind: ResponseType | "invalid" | "binary" }
  /** Raw text of every frame sent, with its `interaction_type`. */
  | { readonly type: "frame_out"; readonly raw: string; readonly kind: OutgoingFrame["interaction_type"] }
  /** The socket ended the call; emitted once, and nothing but taps follows. */
  | { readonly type: "ended"; readonly end: CallEnd }
  /** Parley closed the socket itself (`close()`); no ending is implied. */
  | { readonly type: "closed" };

export type LlmSocketEventType = LlmSocketEvent["type"];
