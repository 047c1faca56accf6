/**
 * The server side of the custom-LLM websocket protocol (docs/llm-websocket.md), shared by the sample
 * servers: one websocket per call at `/llm-websocket/{call_id}`, `config` first, the begin message,
 * ping_pong echoes, and one answer in flight at a time (a newer request aborts the older one).
 * A sample server only supplies a `Responder`.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { ResponseIn, WireUtterance } from "../../src/llm-socket/messages.js";

/** One piece of an answer; `complete` marks the last piece. */
export interface Chunk {
  readonly content: string;
  readonly complete: boolean;
  readonly endCall?: boolean;
  readonly transferNumber?: string;
  readonly digitToPress?: string;
}

export interface ResponseRequest {
  readonly kind: "response_required" | "reminder_required";
  readonly responseId: number;
  readonly transcript: readonly WireUtterance[];
  /** The call object from `call_details`, when it arrived. */
  readonly call: Readonly<Record<string, unknown>> | undefined;
}

/** What a sample server decides; everything else is protocol plumbing. */
export interface Responder {
  /** The begin message (response_id 0); "" lets the user speak first. */
  begin(call: Readonly<Record<string, unknown>> | undefined): string;
  /** Streams the answer through `emit`; `signal` aborts when a newer request supersedes it. */
  respond(req: ResponseRequest, emit: (chunk: Chunk) => void, signal: AbortSignal): Promise<void>;
}

export interface StartOptions {
  readonly port: number;
  readonly host?: string;
  /** Called with one line per notable event; defaults to silence. */
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  /** The `llm_websocket_url` to put on an agent (Parley appends the call id). */
  readonly url: string;
  close(): Promise<void>;
}

const PATH = "/llm-websocket/";

function responseFrame(responseId: number, c: Chunk): ResponseIn {
  return {
    response_type: "response",
    response_id: responseId,
    content: c.content,
    content_complete: c.complete,
    ...(c.endCall ? { end_call: true } : {}),
    ...(c.transferNumber ? { transfer_number: c.transferNumber } : {}),
    ...(c.digitToPress ? { digit_to_press: c.digitToPress } : {}),
  };
}

/** Splits a reply into up to `parts` word-aligned chunks, the way an LLM would stream it. */
export function splitForStreaming(text: string, parts = 3): string[] {
  const words = text.split(/(?<=\s)/);
  const per = Math.max(1, Math.ceil(words.length / parts));
  const out: string[] = [];
  for (let i = 0; i < words.length; i += per) out.push(words.slice(i, i + per).join(""));
  return out.length > 0 ? out : [""];
}

/** Streams a fixed reply in 2-3 chunks, actions on the last one. */
export function emitReply(emit: (c: Chunk) => void, text: string, actions: Omit<Chunk, "content" | "complete"> = {}): void {
  const pieces = splitForStreaming(text);
  pieces.forEach((content, i) => emit(i === pieces.length - 1 ? { content, complete: true, ...actions } : { content, complete: false }));
}

function handleCall(ws: WebSocket, callId: string, responder: Responder, log: (line: string) => void): void {
  let call: Readonly<Record<string, unknown>> | undefined;
  let inFlight: AbortController | undefined;
  const send = (frame: object): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  const sendBegin = (): void => {
    emitReply((c) => send(responseFrame(0, c)), responder.begin(call));
  };

  send({ response_type: "config", config: { auto_reconnect: true, call_details: true } });
  log(`${callId}: connected`);

  ws.on("message", (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      ws.close(1007, "binary frames are not part of the protocol");
      return;
    }
    let msg: { interaction_type?: unknown; timestamp?: unknown; call?: unknown; response_id?: unknown; transcript?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      log(`${callId}: ignored a frame that is not JSON`);
      return;
    }
    switch (msg.interaction_type) {
      case "ping_pong":
        send({ response_type: "ping_pong", timestamp: msg.timestamp });
        return;
      case "call_details":
        call = typeof msg.call === "object" && msg.call !== null ? (msg.call as Record<string, unknown>) : undefined;
        sendBegin();
        return;
      case "update_only":
        return;
      case "response_required":
      case "reminder_required": {
        if (typeof msg.response_id !== "number" || !Array.isArray(msg.transcript)) {
          log(`${callId}: ignored a malformed ${msg.interaction_type}`);
          return;
        }
        inFlight?.abort();
        const controller = new AbortController();
        inFlight = controller;
        const responseId = msg.response_id;
        const req: ResponseRequest = { kind: msg.interaction_type, responseId, transcript: msg.transcript as WireUtterance[], call };
        const emit = (c: Chunk): void => {
          if (!controller.signal.aborted) send(responseFrame(responseId, c));
        };
        responder.respond(req, emit, controller.signal).catch((err: unknown) => {
          if (controller.signal.aborted) return;
          log(`${callId}: responder failed: ${err instanceof Error ? err.message : String(err)}`);
          emit({ content: "Sorry, something went wrong on my side.", complete: true });
        });
        return;
      }
      default:
        log(`${callId}: ignored interaction_type ${JSON.stringify(msg.interaction_type)}`);
    }
  });
  ws.on("close", (code: number) => {
    inFlight?.abort();
    log(`${callId}: closed (${code})`);
  });
  ws.on("error", (err: Error) => log(`${callId}: ${err.message}`));
}

/** Starts a protocol server on `host:port` (port 0 picks a free one) that answers with `responder`. */
export async function serve(responder: Responder, opts: StartOptions): Promise<RunningServer> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? "127.0.0.1";
  const http = createServer((_req, res) => res.writeHead(426, { "content-type": "text/plain" }).end(`websocket only: ${PATH}{call_id}\n`));
  const wss = new WebSocketServer({ noServer: true });
  http.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const callId = path.startsWith(PATH) ? decodeURIComponent(path.slice(PATH.length)) : "";
    if (!callId || callId.includes("/")) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => handleCall(ws, callId, responder, log));
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.port, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `ws://${shownHost}:${port}${PATH.slice(0, -1)}`,
    async close() {
      // Say goodbye politely, but never wait more than a second for a peer that does not answer.
      const closing = [...wss.clients].map((ws) => new Promise<void>((resolve) => {
        ws.once("close", () => resolve());
        ws.close(1001, "server shutting down");
      }));
      const cutOff = setTimeout(() => wss.clients.forEach((ws) => ws.terminate()), 1000);
      await Promise.all(closing);
      clearTimeout(cutOff);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
