import type { IncomingMessage } from "node:http";
import { WebSocket } from "ws";

/** Why one attempt to open the socket failed. */
export type DialFailureKind =
  | "invalid_url" // not a ws:// or wss:// URL
  | "refused" // nothing listening (ECONNREFUSED)
  | "dns" // the host name does not resolve
  | "tls" // certificate or TLS handshake failure
  | "timeout" // no 101 within the open timeout
  | "http" // the server answered HTTP instead of upgrading (status kept)
  | "handshake" // a 101 that is not a valid websocket upgrade
  | "network" // reset, unreachable, …
  | "aborted"; // Parley gave up (close() during the dial)

export interface DialFailure {
  readonly kind: DialFailureKind;
  readonly message: string;
  readonly httpStatus?: number;
  /** False when trying again cannot help (a malformed URL). */
  readonly retryable: boolean;
}

export type DialResult = { readonly ok: true; readonly ws: WebSocket } | { readonly ok: false; readonly failure: DialFailure };

export interface DialOptions {
  readonly openTimeoutMs: number;
  readonly maxFrameBytes: number;
}

/** A dial in progress: its outcome, and a way to give it up. */
export interface DialHandle {
  readonly result: Promise<DialResult>;
  abort(): void;
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NODATA", "EAI_FAIL", "EAI_NONAME"]);
const TLS_CODE = /CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;

/** Names the cause of a failed dial from the socket error. */
export function classifyDialError(err: Error & { code?: string }, secure: boolean): { kind: DialFailureKind; message: string } {
  const code = err.code ?? "";
  if (code === "ECONNREFUSED") return { kind: "refused", message: `connection refused (${err.message})` };
  if (DNS_CODES.has(code)) return { kind: "dns", message: `host name did not resolve (${code})` };
  if (secure && TLS_CODE.test(code)) return { kind: "tls", message: `TLS failure: ${err.message}` };
  if (/Sec-WebSocket|Invalid Upgrade|Connection header|Server sent/i.test(err.message)) {
    return { kind: "handshake", message: `invalid websocket upgrade: ${err.message}` };
  }
  return { kind: "network", message: `${code ? code + ": " : ""}${err.message}` };
}

/**
 * Opens one websocket and classifies any failure. `onOpen` runs synchronously inside the open event
 * so the caller's listeners are in place before the first frame or close can be emitted (frames that
 * came with the 101 are delivered on the next tick, before any promise continuation). The result
 * settles only after a failed socket is fully closed, so a failed dial leaves no handle behind.
 */
export function dial(url: string, opts: DialOptions, onOpen: (ws: WebSocket) => void): DialHandle {
  let ws: WebSocket;
  try {
    ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: opts.maxFrameBytes, followRedirects: false });
  } catch (e) {
    const failure: DialFailure = { kind: "invalid_url", message: `invalid websocket URL ${JSON.stringify(url)}: ${(e as Error).message}`, retryable: false };
    return { result: Promise.resolve({ ok: false, failure }), abort: () => {} };
  }
  const secure = url.startsWith("wss:");
  let failure: DialFailure | undefined;
  let opened = false;
  const fail = (f: Omit<DialFailure, "retryable">): void => {
    failure ??= { ...f, retryable: true };
  };

  const result = new Promise<DialResult>((resolve) => {
    const timer = setTimeout(() => {
      fail({ kind: "timeout", message: `no websocket upgrade within ${opts.openTimeoutMs} ms` });
      ws.terminate();
    }, opts.openTimeoutMs);
    ws.on("unexpected-response", (_req, res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      fail({ kind: "http", httpStatus: status, message: `server answered HTTP ${status}${res.statusMessage ? " " + res.statusMessage : ""} instead of upgrading` });
      res.resume();
      ws.terminate();
    });
    ws.on("error", (err: Error & { code?: string }) => {
      if (!opened) fail(classifyDialError(err, secure));
    });
    ws.once("open", () => {
      opened = true;
      clearTimeout(timer);
      ws.removeAllListeners("unexpected-response");
      ws.removeAllListeners("error");
      ws.removeAllListeners("close");
      onOpen(ws);
      resolve({ ok: true, ws });
    });
    ws.once("close", () => {
      clearTimeout(timer);
      ws.removeAllListeners();
      resolve({ ok: false, failure: failure ?? { kind: "network", message: "socket closed during the opening handshake", retryable: true } });
    });
  });

  return {
    result,
    abort: () => {
      if (opened) return;
      fail({ kind: "aborted", message: "dial aborted" });
      ws.terminate();
    },
  };
}
