import type { IncomingFrame, TransferMode, WireAgentConfig, WireConfig, WireSpeechActions } from "./messages.js";

/**
 * The validation rule (also in docs/llm-websocket.md):
 *
 * - FATAL (the call ends with `error_llm_websocket_corrupt_payload`): a binary frame; text that is
 *   not JSON; JSON that is not an object; a `response_type` Parley does not know; a field the
 *   protocol defines that has the wrong type or range (`content_complete: "true"`, `response_id: 1.5`,
 *   `end_call: 1`, a `digit_to_press` with non-DTMF characters, ...). Retell itself drops such
 *   events and keeps the socket, but then an `end_call` or a transfer the server asked for is lost
 *   without a trace and the caller hears silence; ending with a named reason and the offending field
 *   in the message is the debuggable choice.
 * - TOLERATED: keys the protocol does not define are ignored (forward compatibility); `null` in an
 *   optional field means "absent" (common in servers that serialise optional fields as null); a
 *   frame without `response_type` is a legacy `response`; a `response` / `agent_interrupt` without
 *   `content` (or with null) carries "" — Retell's own Node demo sends its end_call frame with the
 *   model's message, which is undefined when the model gave none.
 * - DROPPED WITH A LOG (decided later, by the response tracker, not here): chunks for a superseded,
 *   never-requested or already-completed `response_id`, and a repeated begin message.
 */
export type Validation = { readonly ok: true; readonly frame: IncomingFrame } | { readonly ok: false; readonly problem: string };

type Obj = Record<string, unknown>;

class Invalid extends Error {}

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function present(o: Obj, key: string): boolean {
  return o[key] !== undefined && o[key] !== null;
}

function str(o: Obj, key: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new Invalid(`\`${key}\` must be a string, got ${describe(v)}`);
  return v;
}

function bool(o: Obj, key: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") throw new Invalid(`\`${key}\` must be a boolean, got ${describe(v)}`);
  return v;
}

function int(o: Obj, key: string, min = 0): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw new Invalid(`\`${key}\` must be an integer >= ${min}, got ${describe(v)}`);
  }
  return v;
}

function intIn(o: Obj, key: string, min: number, max: number): number {
  const v = int(o, key, min);
  if (v > max) throw new Invalid(`\`${key}\` must be an integer from ${min} to ${max}, got ${describe(v)}`);
  return v;
}

function num(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Invalid(`\`${key}\` must be a number, got ${describe(v)}`);
  return v;
}

/** Spoken text; absent or null is nothing to say. */
function content(o: Obj): string {
  return present(o, "content") ? str(o, "content") : "";
}

function obj(o: Obj, key: string): Obj {
  const v = o[key];
  if (!isObject(v)) throw new Invalid(`\`${key}\` must be an object, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  const s = JSON.stringify(v);
  return `${typeof v} ${s.length > 40 ? s.slice(0, 40) + "…" : s}`;
}

/** Copies an optional field through `read` when present, so absent keys stay absent. */
function opt<K extends string, T>(o: Obj, key: K, read: (o: Obj, key: string) => T): { [P in K]?: T } {
  return present(o, key) ? ({ [key]: read(o, key) } as { [P in K]?: T }) : {};
}

const DTMF = /^[0-9A-Da-d*#]+$/;
const TRANSFER_MODES: ReadonlySet<string> = new Set<TransferMode>(["cold", "warm"]);
/** The ring time a warm-transfer target may be given (Retell's `ring_duration_ms` bounds, but from 1 s). */
export const TRANSFER_TIMEOUT_MS = { min: 1_000, max: 300_000 } as const;

function speechActions(o: Obj): WireSpeechActions {
  if (present(o, "digit_to_press") && !DTMF.test(str(o, "digit_to_press"))) {
    throw new Invalid(`\`digit_to_press\` must contain only DTMF characters 0-9 A-D * #, got ${describe(o["digit_to_press"])}`);
  }
  if (present(o, "transfer_number") && str(o, "transfer_number").trim() === "") {
    throw new Invalid("`transfer_number` must not be empty");
  }
  if (present(o, "transfer_mode") && !TRANSFER_MODES.has(str(o, "transfer_mode"))) {
    throw new Invalid(`\`transfer_mode\` must be "cold" or "warm", got ${describe(o["transfer_mode"])}`);
  }
  return {
    ...opt(o, "no_interruption_allowed", bool),
    ...opt(o, "end_call", bool),
    ...opt(o, "transfer_number", str),
    ...opt(o, "show_transferee_as_caller", bool),
    ...opt(o, "digit_to_press", str),
    ...opt(o, "transfer_mode", (x, k) => str(x, k) as TransferMode),
    ...opt(o, "transfer_whisper", str),
    ...opt(o, "transfer_timeout_ms", (x, k) => intIn(x, k, TRANSFER_TIMEOUT_MS.min, TRANSFER_TIMEOUT_MS.max)),
  };
}

function config(o: Obj): WireConfig {
  return { ...opt(o, "auto_reconnect", bool), ...opt(o, "call_details", bool), ...opt(o, "transcript_with_tool_calls", bool) };
}

function agentConfig(o: Obj): WireAgentConfig {
  return {
    ...opt(o, "responsiveness", num),
    ...opt(o, "interruption_sensitivity", num),
    ...opt(o, "reminder_trigger_ms", (x, k) => int(x, k, 0)),
    ...opt(o, "reminder_max_count", (x, k) => int(x, k, 0)),
  };
}

function frameOf(o: Obj): IncomingFrame {
  const type = present(o, "response_type") ? str(o, "response_type") : "response";
  switch (type) {
    case "config":
      return { response_type: "config", config: config(obj(o, "config")) };
    case "response":
      return {
        response_type: "response",
        response_id: int(o, "response_id"),
        content: content(o),
        content_complete: bool(o, "content_complete"),
        ...speechActions(o),
      };
    case "agent_interrupt":
      return {
        response_type: "agent_interrupt",
        interrupt_id: int(o, "interrupt_id"),
        content: content(o),
        content_complete: bool(o, "content_complete"),
        ...speechActions(o),
      };
    case "update_agent":
      return { response_type: "update_agent", agent_config: agentConfig(obj(o, "agent_config")) };
    case "tool_call_invocation":
      return { response_type: "tool_call_invocation", tool_call_id: str(o, "tool_call_id"), name: str(o, "name"), arguments: str(o, "arguments") };
    case "tool_call_result":
      return {
        response_type: "tool_call_result",
        tool_call_id: str(o, "tool_call_id"),
        content: str(o, "content"),
        ...opt(o, "successful", bool),
      };
    case "metadata":
      return { response_type: "metadata", metadata: obj(o, "metadata") };
    case "ping_pong":
      return { response_type: "ping_pong", timestamp: num(o, "timestamp") };
    default:
      throw new Invalid(`unknown response_type ${describe(type)}`);
  }
}

/** Parses and validates one text frame from the LLM server. */
export function validateFrame(text: string): Validation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: `frame is not JSON (${(e as Error).message})` };
  }
  if (!isObject(parsed)) return { ok: false, problem: `frame is not a JSON object but ${describe(parsed)}` };
  try {
    return { ok: true, frame: frameOf(parsed) };
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    const type = typeof parsed["response_type"] === "string" ? parsed["response_type"] : "response";
    return { ok: false, problem: `invalid ${type} frame: ${e.message}` };
  }
}
