import { performance } from "node:perf_hooks";
import { WebSocket, type RawData } from "ws";
import { callEnd, type CallEnd } from "../core/call-end.js";
import type { LatencyStats } from "../core/call-record.js";
import type { DisconnectionReason, Phase } from "../core/reasons.js";
import { dial, type DialFailure, type DialHandle } from "./dial.js";
import type { LlmServerConfig, LlmSocketEvent } from "./events.js";
import { Keepalive } from "./keepalive.js";
import type { IncomingFrame, OutgoingFrame, WireTransferCancelled, WireTranscriptItem, WireUtterance } from "./messages.js";
import { RETELL_TIMING, socketUrl, type LlmSocketOptions, type LlmSocketTiming } from "./options.js";
import { ResponseTracker } from "./response-tracker.js";
import { RttStats } from "./rtt-stats.js";
import { agentConfig, serverConfig, speechActions } from "./translate.js";
import { validateFrame } from "./validate.js";

/** What the conversation hands over with every update or request. */
export interface TranscriptInput {
  readonly transcript: readonly WireUtterance[];
  /** Sent only when the server's config asked for `transcript_with_tool_calls`. */
  readonly transcriptWithToolCalls?: readonly WireTranscriptItem[];
}

/** A response request; it may carry the outcome of a warm transfer that did not connect (Parley extension). */
export interface RequestInput extends TranscriptInput {
  readonly transferCancelled?: WireTransferCancelled;
}

export interface UpdateInput extends TranscriptInput {
  readonly turntaking?: "agent_turn" | "user_turn";
}

export type LlmSocketState = "idle" | "opening" | "open" | "reconnecting" | "finishing" | "done";

type Listener = (event: LlmSocketEvent) => void;

interface PendingRequest {
  readonly kind: "response_required" | "reminder_required";
  readonly id: number;
  readonly input: RequestInput;
}

/** Close code Parley sends when the server's frame could not be used (RFC 6455: inconsistent data). */
const CLOSE_INVALID_DATA = 1007;
const CLOSE_NORMAL = 1000;

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data).toString("utf8");
}

function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

/** Every utterance carries `words` (possibly empty): Retell's Python demo indexes it unguarded. */
function withWords(transcript: readonly WireUtterance[]): readonly WireUtterance[] {
  return transcript.every((u) => u.words) ? transcript : transcript.map((u) => (u.words ? u : { ...u, words: [] }));
}

/**
 * The client side of Retell's custom-LLM websocket for one call: dials
 * `{llm_websocket_url}/{call_id}`, keeps it alive, reconnects when the server asked for it, tracks
 * which streamed response is current, and turns every failure into a `CallEnd` (emitted once as
 * `ended`). See docs/llm-websocket.md.
 */
export class LlmSocket {
  /** The URL actually dialled. */
  readonly url: string;
  /** Resolves once every socket and timer is released: with the ending, or null after close(). */
  readonly done: Promise<CallEnd | null>;

  readonly #opts: LlmSocketOptions;
  readonly #timing: LlmSocketTiming;
  readonly #listeners = new Set<Listener>();
  readonly #tracker = new ResponseTracker();
  readonly #rtt = new RttStats();
  readonly #keepalive: Keepalive;
  readonly #sockets = new Set<WebSocket>();
  readonly #sleeps = new Map<NodeJS.Timeout, () => void>();
  #resolveDone: (end: CallEnd | null) => void = () => {};
  #state: LlmSocketState = "idle";
  #ws: WebSocket | undefined;
  #dial: DialHandle | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  #everOpened = false;
  #config: LlmServerConfig | undefined;
  #detailsSent = false;
  #reconnects = 0;
  #pendingUpdate: UpdateInput | undefined;
  #lastRequest: PendingRequest | undefined;
  #end: CallEnd | null | undefined;
  #openedAt = 0;
  #requestSentAt = 0;

  constructor(options: LlmSocketOptions) {
    this.#opts = options;
    this.#timing = { ...RETELL_TIMING, ...options.timing };
    this.url = socketUrl(options.url, options.callId);
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    this.#keepalive = new Keepalive(
      { intervalMs: this.#timing.pingIntervalMs, deadAfterMs: this.#timing.pingDeadAfterMs },
      {
        ping: (timestamp) => this.#send({ interaction_type: "ping_pong", timestamp }),
        dead: (silentMs) => this.#lost(`no ping_pong from the LLM server for ${Math.round(silentMs)} ms`, "ping_timeout"),
        rtt: (rttMs) => {
          this.#rtt.add(rttMs);
          this.#emit({ type: "rtt", rttMs });
        },
      },
    );
  }

  get state(): LlmSocketState {
    return this.#state;
  }

  /** The server's latest `config`, once one arrived. */
  get serverConfig(): LlmServerConfig | undefined {
    return this.#config;
  }

  /** The ending, once the socket ended the call; null after close(). */
  get end(): CallEnd | null | undefined {
    return this.#end;
  }

  /** The ping_pong round trips so far, as the call's `latency.llm_websocket_network_rtt`. */
  rttStats(): LatencyStats {
    return this.#rtt.summary();
  }

  /** Reconnects used so far. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Dials the server (with the configured retries). Resolves with undefined once the first
   * connection is open, or with the ending if it could not be opened.
   */
  start(): Promise<CallEnd | undefined> {
    if (this.#state !== "idle") return Promise.resolve(this.#end ?? undefined);
    this.#state = "opening";
    const outcome = new Promise<CallEnd | undefined>((resolve) => {
      const off = this.on((e) => {
        if (e.type === "open") resolve(undefined);
        else if (e.type === "ended") resolve(e.end);
        else if (e.type === "closed") resolve(undefined);
        else return;
        off();
      });
    });
    void this.#openFirst();
    return outcome;
  }

  /** Sends `update_only` (kept and sent on the next connection while disconnected). */
  updateOnly(input: UpdateInput): void {
    if (this.#finished()) return;
    this.#pendingUpdate = input;
    if (this.#send(this.#updateFrame(input))) this.#pendingUpdate = undefined;
  }

  /** Sends `response_required` and returns its new `response_id`; earlier requests are superseded. */
  requestResponse(input: RequestInput): number {
    return this.#request("response_required", input);
  }

  /** Sends `reminder_required` (the user stayed silent) and returns its new `response_id`. */
  requestReminder(input: TranscriptInput): number {
    return this.#request("reminder_required", input);
  }

  /** Closes from Parley's side with 1000 and releases everything; no ending is implied. */
  async close(reason = "call ended"): Promise<void> {
    if (this.#finished()) {
      await this.done;
      return;
    }
    const ws = this.#ws;
    this.#enterFinishing(null);
    this.#emit({ type: "closed" });
    if (ws) this.#closeSocket(ws, CLOSE_NORMAL, reason);
    this.#settle();
    await this.done;
  }

  // ---- connection life ----

  async #openFirst(): Promise<void> {
    const t = this.#timing;
    for (let attempt = 1; ; attempt++) {
      const f = await this.#dialOnce(attempt, false);
      if (!f) return;
      if (!f.retryable || attempt >= t.openAttempts) {
        const tries = attempt === 1 ? "1 try" : `${attempt} tries`;
        this.#finish("error_llm_websocket_open", {
          phase: this.#opts.openPhase ?? "setup",
          message: `could not open the LLM websocket ${this.url} after ${tries}: ${f.message}`,
          subReason: f.kind === "http" ? `http_${f.httpStatus ?? 0}` : f.kind,
        });
        return;
      }
      this.#emit({ type: "open_failed", attempt, message: f.message, retryInMs: t.openRetryDelayMs });
      await this.#sleep(t.openRetryDelayMs);
      if (this.#state !== "opening") return;
    }
  }

  async #reconnect(): Promise<void> {
    await this.#sleep(this.#timing.reconnectDelayMs);
    if (this.#state !== "reconnecting") return;
    const f = await this.#dialOnce(1, true);
    if (f) this.#lost(`reconnect ${this.#reconnects} failed: ${f.message}`, "reconnect_failed");
  }

  /** One dial: the failure, or null when it opened or the socket was closed meanwhile. */
  async #dialOnce(attempt: number, reconnect: boolean): Promise<DialFailure | null> {
    const live = (): boolean => this.#state === "opening" || this.#state === "reconnecting";
    const handle = dial(this.url, { openTimeoutMs: this.#timing.openTimeoutMs, maxFrameBytes: this.#timing.maxFrameBytes }, (ws) => {
      this.#dial = undefined;
      if (live()) {
        this.#attach(ws, attempt, reconnect);
        return;
      }
      this.#track(ws);
      ws.terminate();
    });
    this.#dial = handle;
    const r = await handle.result;
    this.#dial = undefined;
    if (r.ok) return null;
    if (live()) return r.failure;
    this.#settle();
    return null;
  }

  #track(ws: WebSocket): void {
    this.#sockets.add(ws);
    ws.on("error", (err: Error & { code?: string }) => this.#onError(ws, err));
    ws.on("close", (code: number, reason: Buffer) => this.#onClose(ws, code, reason.toString("utf8")));
  }

  #attach(ws: WebSocket, attempt: number, reconnect: boolean): void {
    this.#track(ws);
    ws.on("message", (data: RawData, isBinary: boolean) => this.#onMessage(ws, data, isBinary));
    this.#ws = ws;
    this.#state = "open";
    this.#everOpened = true;
    this.#detailsSent = false;
    this.#openedAt = performance.now();
    this.#emit({ type: "open", url: this.url, attempt, reconnect });
    if (this.#config?.autoReconnect) this.#keepalive.start();
    if (this.#pendingUpdate) this.updateOnly(this.#pendingUpdate);
    if (this.#lastRequest && this.#tracker.awaiting) this.#sendRequest(this.#lastRequest);
  }

  #onError(ws: WebSocket, err: Error & { code?: string }): void {
    // ws reports protocol violations by the peer (bad UTF-8, oversized or malformed frames) as
    // WS_ERR_* and then closes; anything else is a transport error and the close event follows.
    if (ws !== this.#ws || !err.code?.startsWith("WS_ERR_")) return;
    this.#finish("error_llm_websocket_corrupt_payload", {
      phase: this.#phase(),
      message: `the LLM server broke the websocket framing: ${err.message}`,
      subReason: err.code.toLowerCase(),
    });
  }

  #onClose(ws: WebSocket, code: number, reason: string): void {
    this.#sockets.delete(ws);
    if (ws !== this.#ws) {
      this.#settle();
      return;
    }
    this.#ws = undefined;
    if (this.#state !== "open") {
      this.#settle();
      return;
    }
    const said = reason ? ` "${reason}"` : "";
    if (code === 1000) {
      this.#finish("agent_hangup", { phase: this.#phase(), message: `the LLM server closed its websocket normally (1000${said})`, subReason: "llm_server_closed" });
    } else if (code === 1005) {
      // Retell ends a call whose server closes without a status as a failed open (spec §8 notes).
      this.#finish("error_llm_websocket_open", {
        phase: this.#phase(),
        message: "the LLM server closed its websocket without a status code (1005)",
        subReason: "close_without_status",
      });
    } else if (code === 1006) {
      this.#lost("the LLM websocket dropped without a close frame (1006)", "abnormal_close");
    } else {
      this.#finish("error_llm_websocket_runtime", {
        phase: this.#phase(),
        message: `the LLM server closed its websocket with code ${code}${said}`,
        subReason: `close_${code}`,
      });
    }
  }

  /** The connection is gone or dead: reconnect if the server asked for it and budget remains. */
  #lost(cause: string, subReason: string): void {
    if (this.#state !== "open" && this.#state !== "reconnecting") return;
    this.#keepalive.stop();
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws) ws.terminate();
    if (this.#config?.autoReconnect && this.#reconnects < this.#timing.maxReconnects) {
      this.#reconnects += 1;
      this.#state = "reconnecting";
      this.#emit({ type: "reconnecting", reconnect: this.#reconnects, cause });
      void this.#reconnect();
      return;
    }
    const tried = this.#config?.autoReconnect ? ` (after ${this.#reconnects} reconnect${this.#reconnects === 1 ? "" : "s"})` : "";
    this.#finish("error_llm_websocket_lost_connection", { phase: this.#phase(), message: `${cause}${tried}`, subReason });
  }

  // ---- frames in ----

  #onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (ws !== this.#ws || this.#state !== "open") return;
    if (isBinary) {
      const n = rawLength(data);
      this.#emit({ type: "frame_in", raw: `<binary ${n} bytes>`, kind: "binary" });
      this.#corrupt(`the LLM server sent a binary frame (${n} bytes); the protocol is JSON text only`, "binary_frame");
      return;
    }
    const raw = rawText(data);
    const v = validateFrame(raw);
    this.#emit({ type: "frame_in", raw, kind: v.ok ? v.frame.response_type : "invalid" });
    if (!v.ok) {
      this.#corrupt(v.problem, "invalid_frame");
      return;
    }
    this.#dispatch(v.frame);
  }

  #dispatch(f: IncomingFrame): void {
    switch (f.response_type) {
      case "config": {
        const config = serverConfig(f.config);
        this.#config = config;
        this.#emit({ type: "config", config });
        if (config.callDetails && !this.#detailsSent) {
          this.#detailsSent = true;
          this.#send({ interaction_type: "call_details", call: this.#opts.callDetails?.() ?? { call_id: this.#opts.callId } });
        }
        if (config.autoReconnect) this.#keepalive.start();
        else this.#keepalive.stop();
        return;
      }
      case "response": {
        const verdict = this.#tracker.response(f.response_id, f.content_complete);
        if (!verdict.accept) {
          this.#emit({ type: "dropped", frame: "response", id: f.response_id, cause: verdict.cause });
          return;
        }
        const since = f.response_id === 0 ? this.#openedAt : this.#requestSentAt;
        this.#emit({
          type: "response_chunk",
          responseId: f.response_id,
          content: f.content,
          complete: f.content_complete,
          elapsedMs: performance.now() - since,
          ...speechActions(f),
        });
        return;
      }
      case "agent_interrupt": {
        const verdict = this.#tracker.interrupt(f.interrupt_id, f.content_complete);
        if (!verdict.accept) {
          this.#emit({ type: "dropped", frame: "agent_interrupt", id: f.interrupt_id, cause: verdict.cause });
          return;
        }
        this.#emit({ type: "agent_interrupt", interruptId: f.interrupt_id, content: f.content, complete: f.content_complete, ...speechActions(f) });
        return;
      }
      case "update_agent":
        this.#emit({ type: "update_agent", agentConfig: agentConfig(f.agent_config) });
        return;
      case "tool_call_invocation":
        this.#emit({ type: "tool_call_invocation", toolCallId: f.tool_call_id, name: f.name, arguments: f.arguments });
        return;
      case "tool_call_result":
        this.#emit({
          type: "tool_call_result",
          toolCallId: f.tool_call_id,
          content: f.content,
          ...(f.successful !== undefined ? { successful: f.successful } : {}),
        });
        return;
      case "metadata":
        this.#emit({ type: "metadata", metadata: f.metadata });
        return;
      case "ping_pong":
        this.#keepalive.received(f.timestamp);
        return;
    }
  }

  #corrupt(message: string, subReason: string): void {
    const ws = this.#ws;
    this.#finish("error_llm_websocket_corrupt_payload", { phase: this.#phase(), message, subReason }, false);
    if (ws) this.#closeSocket(ws, CLOSE_INVALID_DATA, "invalid frame");
    this.#settle();
  }

  // ---- frames out ----

  #request(kind: PendingRequest["kind"], input: RequestInput): number {
    const id = this.#tracker.nextId();
    if (this.#finished()) return id;
    this.#lastRequest = { kind, id, input };
    this.#sendRequest(this.#lastRequest);
    return id;
  }

  #sendRequest(r: PendingRequest): void {
    if (this.#send(this.#requestFrame(r))) this.#requestSentAt = performance.now();
  }

  #withToolCalls(input: TranscriptInput): { transcript_with_tool_calls?: readonly WireTranscriptItem[] } {
    return this.#config?.transcriptWithToolCalls && input.transcriptWithToolCalls
      ? { transcript_with_tool_calls: input.transcriptWithToolCalls }
      : {};
  }

  #requestFrame(r: PendingRequest): OutgoingFrame {
    const cancelled = r.input.transferCancelled;
    return { interaction_type: r.kind, response_id: r.id, transcript: withWords(r.input.transcript), ...this.#withToolCalls(r.input), ...(cancelled ? { transfer_cancelled: cancelled } : {}) };
  }

  #updateFrame(u: UpdateInput): OutgoingFrame {
    return {
      interaction_type: "update_only",
      transcript: withWords(u.transcript),
      ...this.#withToolCalls(u),
      ...(u.turntaking ? { turntaking: u.turntaking } : {}),
    };
  }

  /** Sends on the live connection; false when there is none right now. */
  #send(frame: OutgoingFrame): boolean {
    const ws = this.#ws;
    if (!ws || this.#state !== "open" || ws.readyState !== WebSocket.OPEN) return false;
    const raw = JSON.stringify(frame);
    this.#emit({ type: "frame_out", raw, kind: frame.interaction_type });
    // A failed write surfaces as the close event, which is classified there.
    ws.send(raw, () => {});
    return true;
  }

  // ---- ending and cleanup ----

  #phase(): Phase {
    return this.#everOpened ? "in_call" : (this.#opts.openPhase ?? "setup");
  }

  #finished(): boolean {
    return this.#state === "finishing" || this.#state === "done";
  }

  /** Ends the call with this reason (first cause wins), closing the socket if still open. */
  #finish(reason: DisconnectionReason, init: Parameters<typeof callEnd>[1], closeSocket = true): void {
    if (this.#finished()) return;
    const ws = this.#ws;
    const end = callEnd(reason, init);
    this.#enterFinishing(end);
    this.#emit({ type: "ended", end });
    if (closeSocket && ws) ws.terminate();
    this.#settle();
  }

  #enterFinishing(end: CallEnd | null): void {
    this.#state = "finishing";
    this.#end = end;
    this.#keepalive.stop();
    for (const [timer, wake] of this.#sleeps) {
      clearTimeout(timer);
      wake();
    }
    this.#sleeps.clear();
    this.#dial?.abort();
  }

  /** Polite close with a bounded wait for the server's answer. */
  #closeSocket(ws: WebSocket, code: number, reason: string): void {
    if (ws.readyState === WebSocket.CLOSED) return;
    // RFC 6455 caps a close reason at 123 bytes; ws throws beyond that.
    let short = reason;
    while (Buffer.byteLength(short) > 123) short = short.slice(0, -1);
    ws.close(code, short);
    clearTimeout(this.#closeTimer);
    this.#closeTimer = setTimeout(() => {
      for (const s of this.#sockets) s.terminate();
    }, this.#timing.closeTimeoutMs);
  }

  /** Completes `done` once nothing is left open. */
  #settle(): void {
    if (this.#state !== "finishing" || this.#sockets.size > 0 || this.#dial) return;
    clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    this.#ws = undefined;
    this.#state = "done";
    this.#resolveDone(this.#end ?? null);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleeps.delete(timer);
        resolve();
      }, ms);
      this.#sleeps.set(timer, resolve);
    });
  }

  #emit(event: LlmSocketEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        // A listener's bug must not corrupt the socket's state machine; make it visible instead.
        process.emitWarning(err instanceof Error ? err : new Error(String(err)), "LlmSocketListenerError");
      }
    }
  }
}
