import type { CallEventType } from "../core/call-event.js";
import type { LlmSocketEvent } from "./events.js";

/** A detailed-log entry ready for `callEvent(createdAt, type, data)`. */
export interface LlmLogEntry {
  readonly type: Extract<CallEventType, "llm.open" | "llm.in" | "llm.out" | "llm.close">;
  readonly data: Record<string, unknown>;
}

/**
 * The call-log entry for one socket event, or undefined for what the log leaves out: ping_pong
 * frames and RTT samples (they would be a third of the log; their summary goes to
 * `latency.llm_websocket_network_rtt`) and the decoded speech events (the raw frame is logged).
 */
export function logEntryFor(e: LlmSocketEvent): LlmLogEntry | undefined {
  switch (e.type) {
    case "frame_in":
      return e.kind === "ping_pong" ? undefined : { type: "llm.in", data: { kind: e.kind, raw: e.raw } };
    case "frame_out":
      return e.kind === "ping_pong" ? undefined : { type: "llm.out", data: { kind: e.kind, raw: e.raw } };
    case "open":
      return { type: "llm.open", data: { url: e.url, attempt: e.attempt, reconnect: e.reconnect } };
    case "open_failed":
      return { type: "llm.open", data: { attempt: e.attempt, failed: e.message, retryInMs: e.retryInMs } };
    case "reconnecting":
      return { type: "llm.close", data: { reconnect: e.reconnect, cause: e.cause } };
    case "dropped":
      return { type: "llm.in", data: { dropped: e.cause, frame: e.frame, id: e.id } };
    case "ended":
      return { type: "llm.close", data: { reason: e.end.reason, message: e.end.message, ...(e.end.subReason ? { subReason: e.end.subReason } : {}) } };
    case "closed":
      return { type: "llm.close", data: { by: "parley" } };
    case "config":
    case "response_chunk":
    case "agent_interrupt":
    case "update_agent":
    case "tool_call_invocation":
    case "tool_call_result":
    case "metadata":
    case "rtt":
      return undefined;
  }
}
