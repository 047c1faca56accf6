// Shared set-up for the audio-websocket tests: Parley in-process with the audio route attached,
// an echo leg runner standing in for the conversation engine, and small API helpers.
import { once } from "node:events";
import WebSocket from "ws";
import type { CallSession, LegRunner } from "../../src/calls/call-session.js";
import type { AudioLeg } from "../../src/core/audio-leg.js";
import type { CallEnd } from "../../src/core/call-end.js";
import { attachAudioWebsocket, type AudioWebsocketOptions } from "../../src/api/routes/audio-websocket.js";
import { startTestParley, type TestParley } from "../helpers/parley.js";

/** What the echo runner saw on one call. */
export interface EchoTrace {
  leg: AudioLeg;
  framesIn: number;
  samplesIn: number;
  dtmf: string[];
  idle: number;
}

export interface AudioParley extends TestParley {
  readonly traces: Map<string, EchoTrace>;
  api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  agentId(): Promise<string>;
  wsUrl(path: string): string;
  /** The stored call once it has ended (polls get-call, bounded). */
  endedCall(callId: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  session(callId: string): CallSession;
}

/** Echoes caller audio back to the leg and sends one transcript update, like a parrot agent. */
export function echoRunner(traces: Map<string, EchoTrace>): LegRunner {
  return (session, leg) => {
    const trace: EchoTrace = { leg, framesIn: 0, samplesIn: 0, dtmf: [], idle: 0 };
    traces.set(session.callId, trace);
    const off = leg.on((e) => {
      if (e.type === "audio") {
        trace.framesIn++;
        trace.samplesIn += e.pcm.length;
        leg.sendAudio(e.pcm);
        if (trace.framesIn === 1) leg.sendClientEvent?.({ event_type: "update", transcript: [{ role: "agent", content: "echo" }] });
      } else if (e.type === "dtmf") trace.dtmf.push(e.digit);
      else if (e.type === "playout_idle") trace.idle++;
    });
    leg.sendClientEvent?.({ event_type: "metadata", metadata: { runner: "echo" } });
    return off;
  };
}

export async function startAudioParley(env: Record<string, string> = {}, opts: AudioWebsocketOptions = {}): Promise<AudioParley> {
  const traces = new Map<string, EchoTrace>();
  const t = await startTestParley({ env: { PARLEY_SIP_DISABLED: "1", ...env }, legRunner: echoRunner(traces) });
  // server.ts registers the route (with the config's media timeouts); attaching again is a no-op,
  // so `opts` only apply where the route is not registered.
  attachAudioWebsocket(t.parley.http.server, { store: t.parley.store, calls: t.parley.calls }, opts);
  let agent: string | undefined;
  const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const r = await fetch(t.url + path, { method, headers: { authorization: `Bearer ${t.apiKey}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  return {
    ...t,
    traces,
    api,
    async agentId() {
      agent ??= String((await api("POST", "/create-agent", { response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" })).agent_id);
      return agent;
    },
    wsUrl: (path) => t.url.replace(/^http/, "ws") + path,
    async endedCall(callId, timeoutMs = 10_000) {
      const live = t.parley.calls.live(callId);
      if (live) await withTimeout(live.whenEnded(), timeoutMs, `call ${callId} did not end`);
      return api("GET", `/v2/get-call/${callId}`);
    },
    session(callId) {
      const s = t.parley.calls.live(callId);
      if (!s) throw new Error(`no live session ${callId}`);
      return s;
    },
  };
}

/** Rejects after `ms` with `what`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

const seen = new WeakMap<WebSocket, Array<[Buffer, boolean]>>();

/**
 * Opens a websocket and waits for it to be open. Messages are recorded from the start: the server
 * may speak in the same packet as its 101 answer, before an awaiting caller could listen.
 */
export async function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  const log: Array<[Buffer, boolean]> = [];
  seen.set(ws, log);
  ws.on("message", (d: Buffer, b: boolean) => void log.push([d, b]));
  await withTimeout(once(ws, "open"), 5000, `open ${url}`);
  return ws;
}

/** Waits for the socket to close; returns code and reason. */
export async function closed(ws: WebSocket, ms = 5000): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error("socket already closed before waiting");
  const [code, reason] = (await withTimeout(once(ws, "close"), ms, "socket close")) as [number, Buffer];
  return { code, reason: reason.toString() };
}

/** The first message matching `pred`, including ones that arrived before the call. */
export function nextMessage(ws: WebSocket, pred: (data: Buffer, isBinary: boolean) => boolean, ms = 5000): Promise<Buffer> {
  const past = seen.get(ws)?.find(([d, b]) => pred(d, b));
  if (past) return Promise.resolve(past[0]);
  return withTimeout(
    new Promise<Buffer>((resolve) => {
      const on = (data: Buffer, isBinary: boolean): void => {
        if (!pred(data, isBinary)) return;
        ws.off("message", on);
        resolve(data);
      };
      ws.on("message", on);
    }),
    ms,
    "expected message",
  );
}

export type { CallEnd };
