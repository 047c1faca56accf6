import { Emitter } from "./emitter.js";
import { CAPTURE_PROCESSOR, PLAYBACK_PROCESSOR, WORKLET_SOURCE } from "./worklets.js";

/** One utterance of the live transcript. */
export interface TranscriptUtterance {
  role: "agent" | "user" | "transfer_target";
  content: string;
  words?: Array<{ word?: string; start?: number; end?: number }>;
}

/** The `update` event Parley sends during the call. */
export interface UpdateEvent {
  event_type: "update";
  transcript: TranscriptUtterance[];
  turntaking?: "agent_turn" | "user_turn";
}

export interface MetadataEvent {
  event_type: "metadata";
  metadata: unknown;
}

/** Why the call ended, as the server's close frame said it. */
export interface CallEndedEvent {
  code: number;
  reason: string;
}

export interface ParleyWebClientEvents extends Record<string, unknown[]> {
  call_started: [];
  call_ended: [CallEndedEvent];
  agent_start_talking: [];
  agent_stop_talking: [];
  update: [UpdateEvent];
  metadata: [MetadataEvent];
  error: [string];
}

export interface ParleyWebClientOptions {
  /** Parley's base URL (http(s)://host:port); defaults to the page's origin. */
  baseUrl?: string;
}

export interface StartCallConfig {
  /** From create-web-call. */
  accessToken: string;
  /** From create-web-call; optional (the token alone identifies the call). */
  callId?: string;
  /** The AudioContext rate, used for audio both ways (default 24 000). */
  sampleRate?: number;
  captureDeviceId?: string;
  /** Use this stream instead of opening the microphone. */
  customStream?: MediaStream;
  /** Audio buffered before the agent's audio starts playing (default 60 ms). */
  jitterBufferMs?: number;
}

const PING_MS = 5000;
/** Silence after which the agent counts as no longer talking (frames come every 20 ms). */
const IDLE_STOP_MS = 300;

/**
 * Parley's browser client: joins a web call (retell-client-js-sdk 1.x wire protocol), streams the
 * microphone as PCM16 and plays the agent through a small jitter buffer.
 */
export class ParleyWebClient extends Emitter<ParleyWebClientEvents> {
  readonly #baseUrl: string;
  #ctx: AudioContext | undefined;
  #ws: WebSocket | undefined;
  #stream: MediaStream | undefined;
  #ownsStream = false;
  #capture: AudioWorkletNode | undefined;
  #playback: AudioWorkletNode | undefined;
  #analyser: AnalyserNode | undefined;
  #ping: ReturnType<typeof setInterval> | undefined;
  #active = false;

  constructor(opts: ParleyWebClientOptions = {}) {
    super();
    this.#baseUrl = (opts.baseUrl ?? globalThis.location?.origin ?? "").replace(/\/+$/, "");
  }

  /** The agent's audio as played (connect meters or visualisers here); set while a call runs. */
  get agentAnalyser(): AnalyserNode | undefined {
    return this.#analyser;
  }

  /** The AudioContext of the running call. */
  get audioContext(): AudioContext | undefined {
    return this.#ctx;
  }

  /** Opens the microphone and joins the call; resolves once the socket is open. */
  async startCall(config: StartCallConfig): Promise<void> {
    if (this.#active) throw new Error("a call is already running; call stopCall() first");
    this.#active = true;
    const rate = config.sampleRate ?? 24_000;
    try {
      const ctx = new AudioContext({ sampleRate: rate, latencyHint: "interactive" });
      this.#ctx = ctx;
      this.#stream = config.customStream ?? (await this.#openMic(rate, config.captureDeviceId));
      this.#ownsStream = !config.customStream;
      const url = URL.createObjectURL(new Blob([WORKLET_SOURCE], { type: "application/javascript" }));
      try {
        await ctx.audioWorklet.addModule(url);
      } finally {
        URL.revokeObjectURL(url);
      }
      const capture = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, { processorOptions: { frameSamples: Math.round(rate / 50) } });
      const playback = new AudioWorkletNode(ctx, PLAYBACK_PROCESSOR, {
        numberOfInputs: 0,
        outputChannelCount: [1],
        processorOptions: { prebufferSamples: Math.round((rate * (config.jitterBufferMs ?? 60)) / 1000), idleStopSamples: Math.round((rate * IDLE_STOP_MS) / 1000) },
      });
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 2048;
      ctx.createMediaStreamSource(this.#stream).connect(capture);
      // The capture node only runs while connected to the graph; it outputs silence.
      capture.connect(ctx.destination);
      playback.connect(analyser);
      analyser.connect(ctx.destination);
      this.#capture = capture;
      this.#playback = playback;
      this.#analyser = analyser;
      playback.port.onmessage = (e: MessageEvent) => {
        if (e.data === "agent_start_talking") this.emit("agent_start_talking");
        else if (e.data === "agent_stop_talking") this.emit("agent_stop_talking");
      };
      await ctx.resume();
      await this.#connect(config, rate);
      capture.port.onmessage = (e: MessageEvent<ArrayBuffer>) => {
        if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(e.data);
      };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.emit("error", message);
      this.#teardown();
      throw err instanceof Error ? err : new Error(message);
    }
  }

  /** Hangs up: the server records user_hangup. */
  stopCall(): void {
    if (!this.#active) return;
    const ws = this.#ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.close(1000, "client hung up");
    else this.#teardown();
  }

  async #openMic(rate: number, deviceId: string | undefined): Promise<MediaStream> {
    try {
      return await navigator.mediaDevices.getUserMedia({
        audio: { sampleRate: rate, channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) },
      });
    } catch (err) {
      throw new Error(`microphone unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #connect(config: StartCallConfig, rate: number): Promise<void> {
    const base = this.#baseUrl.replace(/^http/, "ws");
    const q = new URLSearchParams({ enable_update: "true", sample_rate: String(rate) });
    if (config.callId) q.set("access_token", config.accessToken);
    const ws = new WebSocket(`${base}/audio-websocket/${encodeURIComponent(config.callId ?? config.accessToken)}?${q.toString()}`);
    ws.binaryType = "arraybuffer";
    this.#ws = ws;
    return new Promise((resolve, reject) => {
      let opened = false;
      ws.onopen = () => {
        opened = true;
        this.#ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("ping"), PING_MS);
        this.emit("call_started");
        resolve();
      };
      ws.onerror = () => {
        if (!opened) reject(new Error("could not connect to Parley's audio websocket"));
        else this.emit("error", "the audio websocket failed");
      };
      ws.onclose = (e: CloseEvent) => {
        this.#teardown();
        if (opened) this.emit("call_ended", { code: e.code, reason: e.reason });
        else reject(new Error(`the call was refused (${e.code} ${e.reason})`));
      };
      ws.onmessage = (e: MessageEvent) => this.#onMessage(e.data as ArrayBuffer | string);
    });
  }

  #onMessage(data: ArrayBuffer | string): void {
    if (typeof data !== "string") {
      this.#playback?.port.postMessage(data, [data]);
      return;
    }
    if (data === "pong") return;
    if (data === "clear") {
      this.#playback?.port.postMessage("clear");
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      this.emit("error", `unreadable message from Parley: ${data.slice(0, 60)}`);
      return;
    }
    const e = event as { event_type?: unknown };
    if (e.event_type === "update") this.emit("update", event as UpdateEvent);
    else if (e.event_type === "metadata") this.emit("metadata", event as MetadataEvent);
  }

  #teardown(): void {
    if (!this.#active) return;
    this.#active = false;
    if (this.#ping) clearInterval(this.#ping);
    this.#ping = undefined;
    if (this.#ws) {
      this.#ws.onmessage = null;
      if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) this.#ws.close(1000, "client hung up");
    }
    this.#ws = undefined;
    this.#capture?.disconnect();
    this.#playback?.disconnect();
    this.#analyser?.disconnect();
    this.#capture = this.#playback = undefined;
    this.#analyser = undefined;
    if (this.#ownsStream) for (const t of this.#stream?.getTracks() ?? []) t.stop();
    this.#stream = undefined;
    void this.#ctx?.close().catch(() => undefined);
    this.#ctx = undefined;
  }
}
