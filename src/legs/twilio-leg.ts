import type { WebSocket } from "ws";
import type { AudioLeg, AudioLegEvent } from "../core/audio-leg.js";
import { callEnd, type CallEnd } from "../core/call-end.js";
import { g711Decode, g711Encode, type Pacer } from "../media/index.js";
import { LegEmitter } from "./leg-emitter.js";
import { DEFAULT_MEDIA_TIMEOUTS, MediaWatchdog, noAudioEnd, type MediaTimeouts } from "./media-watchdog.js";
import { PacedSender } from "./paced-sender.js";
import { closeReason, isOpen } from "./socket-close.js";
import { parseTwilioFrame, twilioClear, twilioMark, twilioMedia, type TwilioInbound } from "./twilio-protocol.js";

export interface TwilioLegOptions {
  readonly mediaTimeouts?: MediaTimeouts;
  readonly pacer?: Pacer;
  /** Queue events until `release()` (the route holds them while the call is being bound). */
  readonly held?: boolean;
}

/** What Twilio's `start` message said about the stream. */
export type TwilioStart = Extract<TwilioInbound, { event: "start" }>;

export interface TwilioLegStats {
  framesIn: number;
  framesOut: number;
  marksSent: number;
  marksEchoed: number;
  dtmf: number;
}

/**
 * A call bridged from Twilio through a bidirectional Media Stream (`<Connect><Stream>`): μ-law
 * 8 kHz base64 in `media` frames both ways, `mark` to learn when playout caught up, `clear` on
 * barge-in. Hang-up is `stop` or the socket closing; anything malformed is error_twilio.
 */
export class TwilioLeg implements AudioLeg {
  readonly kind = "twilio" as const;
  readonly inputRate = 8000;
  readonly outputRate = 8000;
  readonly #ws: WebSocket;
  readonly #events: LegEmitter;
  readonly #startListeners: Array<(s: TwilioStart) => void> = [];
  readonly #watchdog: MediaWatchdog;
  readonly #sender: PacedSender;
  #start: TwilioStart | undefined;
  #ended = false;
  #markSeq = 0;
  #pendingMark: string | undefined;
  readonly stats: TwilioLegStats = { framesIn: 0, framesOut: 0, marksSent: 0, marksEchoed: 0, dtmf: 0 };

  constructor(ws: WebSocket, opts: TwilioLegOptions = {}) {
    this.#ws = ws;
    this.#events = new LegEmitter(opts.held ?? false);
    this.#sender = new PacedSender(8000, (f) => this.#sendFrame(f), () => this.#sendMark(), opts.pacer);
    this.#watchdog = new MediaWatchdog(opts.mediaTimeouts ?? DEFAULT_MEDIA_TIMEOUTS, (silence) =>
      this.#fail(noAudioEnd(silence, `the Twilio stream carried no caller audio for ${silence.silentMs} ms${silence.sawAudio ? "" : " after start"}`)),
    );
    ws.on("message", (data: Buffer, isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on("close", (code: number) => this.#onClose(code));
    ws.on("error", (err: Error) => this.#fail(this.#twilioError(`the stream's websocket failed: ${err.message}`)));
  }

  /** The stream's `start` details, once it arrived. */
  get stream(): TwilioStart | undefined {
    return this.#start;
  }

  /** Runs `fn` when the `start` message arrives (before any media is delivered). */
  onStart(fn: (s: TwilioStart) => void): void {
    this.#startListeners.push(fn);
  }

  /** Delivers events held since construction (see `held`). */
  release(): void {
    this.#events.release();
  }

  on(listener: (e: AudioLegEvent) => void): () => void {
    return this.#events.on(listener);
  }

  get queuedMs(): number {
    return this.#sender.queuedMs;
  }

  sendAudio(pcm: Int16Array): void {
    if (!this.#ended) this.#sender.push(pcm);
  }

  clearAudio(): void {
    this.#sender.clear();
    this.#pendingMark = undefined;
    if (this.#start && isOpen(this.#ws)) this.#ws.send(twilioClear(this.#start.streamSid));
  }

  /** Closes the stream at the call's end; with nothing after `<Connect>` in the TwiML, Twilio hangs up. */
  close(end?: CallEnd): void {
    this.#stop();
    if (isOpen(this.#ws)) this.#ws.close(1000, closeReason(end ? `call ended: ${end.reason}` : "call ended"));
  }

  #twilioError(message: string, subReason?: string): CallEnd {
    return callEnd("error_twilio", { phase: this.#start ? "in_call" : "setup", message, ...(subReason ? { subReason } : {}) });
  }

  #stop(): void {
    this.#ended = true;
    this.#watchdog.stop();
    this.#sender.close();
  }

  #fail(end: CallEnd, code = 1011): void {
    if (this.#ended) return;
    this.#stop();
    // The socket closes with the failure's own code before the call's hangup would close it with 1000.
    if (isOpen(this.#ws)) this.#ws.close(code, closeReason(end.reason));
    this.#events.emit({ type: "ended", end });
  }

  #onClose(code: number): void {
    if (this.#ended) return;
    this.#fail(this.#twilioError(`the media stream's socket closed (code ${code}) without a stop message`, "socket_dropped"));
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#ended) return;
    if (isBinary) return this.#fail(this.#twilioError(`binary frame of ${data.length} bytes; Media Streams send JSON text`), 1003);
    const parsed = parseTwilioFrame(data.toString("utf8"));
    if (!parsed.ok) return this.#fail(this.#twilioError(`invalid Media Streams frame: ${parsed.error}`), 1007);
    const msg = parsed.msg;
    if (msg.event === "connected" || msg.event === "unknown") return;
    if (msg.event === "start") {
      if (this.#start) return this.#fail(this.#twilioError("a second start message on the same stream"), 1008);
      this.#start = msg;
      this.#watchdog.start();
      for (const fn of this.#startListeners) fn(msg);
      return;
    }
    if (!this.#start) return this.#fail(this.#twilioError(`${msg.event} arrived before start`), 1008);
    if (msg.streamSid !== this.#start.streamSid) {
      return this.#fail(this.#twilioError(`${msg.event} for stream ${msg.streamSid}, not ${this.#start.streamSid}`), 1008);
    }
    switch (msg.event) {
      case "media": {
        // <Connect><Stream> carries the caller only; an outbound track (fork streams) is not the caller.
        if (msg.track !== "inbound" && msg.track !== "inbound_track") return;
        const now = Date.now();
        this.stats.framesIn++;
        this.#watchdog.feed(now);
        if (this.stats.framesIn === 1) this.#events.emit({ type: "first_audio", at: now });
        this.#events.emit({ type: "audio", pcm: g711Decode("PCMU", msg.payload), sampleRate: 8000, at: now });
        return;
      }
      case "dtmf":
        this.stats.dtmf++;
        this.#events.emit({ type: "dtmf", digit: msg.digit, at: Date.now() });
        return;
      case "mark":
        this.stats.marksEchoed++;
        // A mark names the end of a burst: when Twilio hands it back, the caller has heard it all.
        if (msg.name === this.#pendingMark) {
          this.#pendingMark = undefined;
          if (this.#sender.queuedMs === 0) this.#events.emit({ type: "playout_idle", at: Date.now() });
        }
        return;
      case "stop":
        this.#stop();
        this.#events.emit({ type: "ended", end: callEnd("user_hangup", { phase: "in_call", message: "Twilio stopped the media stream (the caller hung up)" }) });
        if (isOpen(this.#ws)) this.#ws.close(1000, "stopped");
        return;
    }
  }

  #sendFrame(frame: Int16Array): void {
    if (!this.#start || !isOpen(this.#ws)) return;
    this.stats.framesOut++;
    this.#ws.send(twilioMedia(this.#start.streamSid, g711Encode("PCMU", frame)));
  }

  #sendMark(): void {
    if (!this.#start || !isOpen(this.#ws)) return;
    this.#pendingMark = `parley-${++this.#markSeq}`;
    this.stats.marksSent++;
    this.#ws.send(twilioMark(this.#start.streamSid, this.#pendingMark));
  }
}
