import type { Phase } from "../core/reasons.js";

/** Retell's timings (spec/retell-api.md §8); tests shrink them. */
export interface LlmSocketTiming {
  /** Tries for the first connection before `error_llm_websocket_open` (Retell: 3). */
  readonly openAttempts: number;
  /** Per-try limit for the opening handshake (Retell: 7 000 ms). */
  readonly openTimeoutMs: number;
  /** Pause between first-connection tries (Retell: 3 000 ms). */
  readonly openRetryDelayMs: number;
  /** Reconnects allowed per call after a drop when the server asked for `auto_reconnect` (Retell: 2). */
  readonly maxReconnects: number;
  /** Pause before each reconnect. */
  readonly reconnectDelayMs: number;
  /** ping_pong period when `auto_reconnect` is on (Retell: 2 000 ms). */
  readonly pingIntervalMs: number;
  /** Silence after which the connection is dead (Retell: 5 000 ms). */
  readonly pingDeadAfterMs: number;
  /** How long close() waits for the server's close frame before dropping the TCP connection. */
  readonly closeTimeoutMs: number;
  /** Largest frame accepted; a larger one is a corrupt payload. */
  readonly maxFrameBytes: number;
}

export const RETELL_TIMING: LlmSocketTiming = {
  openAttempts: 3,
  openTimeoutMs: 7_000,
  openRetryDelayMs: 3_000,
  maxReconnects: 2,
  reconnectDelayMs: 200,
  pingIntervalMs: 2_000,
  pingDeadAfterMs: 5_000,
  closeTimeoutMs: 2_000,
  maxFrameBytes: 1 << 20,
};

export interface LlmSocketOptions {
  /** The agent's `llm_websocket_url`; the call id is appended as the last path segment. */
  readonly url: string;
  readonly callId: string;
  /** The call object sent as `call_details` when the server's config asks for it. */
  readonly callDetails?: () => Readonly<Record<string, unknown>>;
  /** Phase named by an `error_llm_websocket_open` ending of the first connection (default `setup`). */
  readonly openPhase?: Phase;
  readonly timing?: Partial<LlmSocketTiming>;
}

/**
 * `{llm_websocket_url}/{call_id}`: trailing slashes are dropped, the call id becomes the last path
 * segment, and a query string stays at the end where servers expect it.
 */
export function socketUrl(base: string, callId: string): string {
  const segment = encodeURIComponent(callId);
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return `${base.replace(/\/+$/, "")}/${segment}`;
  }
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${segment}`;
  return url.toString();
}
