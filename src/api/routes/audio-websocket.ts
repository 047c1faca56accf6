import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { WebSocketServer, type WebSocket } from "ws";
import type { CallService } from "../../calls/call-service.js";
import type { CallSession } from "../../calls/call-session.js";
import type { AudioLeg } from "../../core/audio-leg.js";
import type { CallEnd } from "../../core/call-end.js";
import type { Store } from "../../store/types.js";
import type { MediaTimeouts } from "../../legs/media-watchdog.js";
import { closeReason } from "../../legs/socket-close.js";
import { TwilioLeg, type TwilioStart } from "../../legs/twilio-leg.js";
import { WebLeg } from "../../legs/web-leg.js";

/** Close codes a client sees when it cannot join (4xxx: application codes, RFC 6455 §7.4.2). */
export const AUDIO_WS_CLOSE = {
  badRequest: 4400,
  badToken: 4401,
  unknownCall: 4404,
  firstMessageTimeout: 4408,
  alreadyJoined: 4409,
  callEnded: 4410,
} as const;

export interface AudioWebsocketOptions {
  readonly mediaTimeouts?: MediaTimeouts;
  /** Rate of the web leg's audio events and sendAudio (default 16 000). */
  readonly webRate?: number;
  /** How long a socket whose path names no live call may take to say who it is (default 10 000). */
  readonly firstMessageTimeoutMs?: number;
  /** Largest websocket message accepted at the ws layer (default 1 MiB; legs judge smaller limits). */
  readonly maxPayloadBytes?: number;
}

type Deps = { readonly store: Store; readonly calls: CallService };

const ATTACHED = Symbol.for("parley.audio-websocket");

/**
 * Registers `/audio-websocket/{call_id}` (web calls and Twilio Media Streams) on the HTTP server
 * and serves Parley's browser SDK at `/sdk/parley-web.js`.
 */
export function audioWebsocketRoutes(app: FastifyInstance, deps: Deps, opts: AudioWebsocketOptions = {}): void {
  const detach = attachAudioWebsocket(app.server, deps, opts);
  app.addHook("onClose", async () => detach());
  app.get("/sdk/parley-web.js", { schema: { hide: true } }, async (_req, reply) => {
    const js = await webSdkBundle();
    if (!js) return reply.code(503).type("text/plain").send("the web SDK is not built: run `npm run build:web-sdk`");
    // Public code, imported as a module script by pages on other origins (the user's own site).
    return reply.type("text/javascript; charset=utf-8").header("cache-control", "no-cache").header("access-control-allow-origin", "*").send(js);
  });
}

/**
 * Handles websocket upgrades on `/audio-websocket/…` of an HTTP server (idempotent); returns the
 * function that closes every audio socket and stops listening.
 */
export function attachAudioWebsocket(server: Server, deps: Deps, opts: AudioWebsocketOptions = {}): () => void {
  const tagged = server as Server & { [ATTACHED]?: () => void };
  const existing = tagged[ATTACHED];
  if (existing) return existing;
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayloadBytes ?? 1_048_576, perMessageDeflate: false });
  const joiner = new Joiner(deps, opts);
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? "/", "http://local");
    const m = /^\/audio-websocket\/([^/]+)\/?$/.exec(url.pathname);
    if (!m) {
      // Nothing else upgrades on this server today; an unknown path must not hang.
      if (server.listenerCount("upgrade") === 1) socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    socket.on("error", () => socket.destroy());
    const id = safeDecode(m[1] as string);
    if (id === undefined || id.length > 256) {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => void joiner.accept(ws, id, url.searchParams));
  };
  server.on("upgrade", onUpgrade);
  const detach = (): void => {
    server.off("upgrade", onUpgrade);
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    delete tagged[ATTACHED];
  };
  tagged[ATTACHED] = detach;
  return detach;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function refuse(ws: WebSocket, code: number, why: string): void {
  ws.close(code, closeReason(why));
}

/** Finds the call a socket names and binds the right leg to its session. */
class Joiner {
  readonly #d: Deps;
  readonly #o: AudioWebsocketOptions;
  /** Calls that already have a leg bound on this node. */
  readonly #joined = new Set<string>();

  constructor(deps: Deps, opts: AudioWebsocketOptions) {
    this.#d = deps;
    this.#o = opts;
  }

  async accept(ws: WebSocket, id: string, query: URLSearchParams): Promise<void> {
    ws.on("error", () => undefined);
    // Messages that arrive while the call is looked up are replayed to the leg.
    const early: Array<[Buffer, boolean]> = [];
    const hold = (data: Buffer, isBinary: boolean): void => {
      // The lookup takes milliseconds; a client that floods meanwhile is not a real one.
      if (early.push([data, isBinary]) > 500) ws.terminate();
    };
    ws.on("message", hold);
    try {
      const session = await this.#find(id);
      const token = query.get("access_token");
      if (session && token !== null && session.record.accessToken !== token) return refuse(ws, AUDIO_WS_CLOSE.badToken, "access token does not match the call");
      if (!session) {
        const stored = /^call_/.test(id) ? await this.#d.store.calls.getById(id) : undefined;
        if (stored?.disconnectionReason) return refuse(ws, AUDIO_WS_CLOSE.callEnded, `call ended: ${stored.disconnectionReason}`);
        if (stored) return refuse(ws, AUDIO_WS_CLOSE.unknownCall, `call ${id} is live on another node`);
        if (id.startsWith("call_")) return refuse(ws, AUDIO_WS_CLOSE.unknownCall, `unknown call ${id}`);
        return this.#awaitTwilio(ws, id, hold, early);
      }
      ws.off("message", hold);
      if (session.record.callType === "web_call") this.#joinWeb(ws, session, query, early);
      else this.#joinTwilio(ws, session, early);
    } catch (err) {
      refuse(ws, 1011, `lookup failed: ${String(err)}`);
    }
  }

  async #find(id: string): Promise<CallSession | undefined> {
    const live = this.#d.calls.live(id);
    if (live || id.startsWith("call_")) return live;
    // Parley's SDK may join with the access token alone (as retell-client-js-sdk 2.x does).
    const unfinished = await this.#d.store.calls.listUnfinished();
    const rec = unfinished.find((r) => r.accessToken === id);
    return rec ? this.#d.calls.live(rec.callId) : undefined;
  }

  #claim(ws: WebSocket, session: CallSession): boolean {
    if (session.ending) {
      refuse(ws, AUDIO_WS_CLOSE.callEnded, "call ended");
      return false;
    }
    if (this.#joined.has(session.callId) || session.record.callStatus !== "registered") {
      refuse(ws, AUDIO_WS_CLOSE.alreadyJoined, "the call already has its audio connection");
      return false;
    }
    this.#joined.add(session.callId);
    session.once("ended", () => this.#joined.delete(session.callId));
    return true;
  }

  #joinWeb(ws: WebSocket, session: CallSession, query: URLSearchParams, early: Array<[Buffer, boolean]>): void {
    if (!this.#claim(ws, session)) return;
    const rateText = query.get("sample_rate");
    const clientRate = rateText !== null && /^\d{4,6}$/.test(rateText) ? Number(rateText) : undefined;
    if (clientRate !== undefined && (clientRate < 8000 || clientRate > 96_000)) return refuse(ws, AUDIO_WS_CLOSE.badRequest, `sample_rate ${clientRate} is out of range`);
    const leg = new WebLeg(ws, {
      held: true,
      ...(clientRate !== undefined ? { clientRate } : {}),
      enableUpdate: query.get("enable_update") === "true",
      ...(this.#o.mediaTimeouts ? { mediaTimeouts: this.#o.mediaTimeouts } : {}),
      ...(this.#o.webRate ? { rate: this.#o.webRate } : {}),
    });
    session.clearTimer("join");
    session.log("media.port", { leg: "web", event: "joined", clientRate: clientRate ?? "measured", enableUpdate: query.get("enable_update") === "true" });
    session.onHangup((end) => {
      session.log("media.port", { leg: "web", event: "closed", ...leg.stats });
      leg.close(end);
    });
    void this.#bind(session, leg, () => leg.start());
    for (const [d, b] of early) ws.emit("message", d, b);
  }

  #joinTwilio(ws: WebSocket, session: CallSession, early: Array<[Buffer, boolean]>): void {
    if (!this.#claim(ws, session)) return;
    const leg = this.#twilioLeg(ws);
    // Before start the leg is not bound yet: its failures still end the registered call.
    const pre = leg.on((e) => {
      if (e.type === "ended") void session.end(e.end);
    });
    leg.onStart((s) => {
      pre();
      this.#startTwilio(session, leg, s);
    });
    for (const [d, b] of early) ws.emit("message", d, b);
  }

  /**
   * The path named no live call: it may be a Twilio stream carrying `call_id` as a <Parameter>,
   * told apart by its first message (`connected` or `start`); anything else is an unknown call.
   */
  #awaitTwilio(ws: WebSocket, id: string, hold: (d: Buffer, b: boolean) => void, early: Array<[Buffer, boolean]>): void {
    ws.off("message", hold);
    const timer = setTimeout(() => refuse(ws, AUDIO_WS_CLOSE.firstMessageTimeout, "no start message"), this.#o.firstMessageTimeoutMs ?? 10_000);
    const first = (data: Buffer, isBinary: boolean): void => {
      ws.off("message", first);
      if (isBinary || !/^\s*\{/.test(data.toString("utf8", 0, 64)) || !/"event"\s*:\s*"(connected|start)"/.test(data.toString("utf8"))) {
        clearTimeout(timer);
        return refuse(ws, AUDIO_WS_CLOSE.unknownCall, "unknown call or access token");
      }
      const leg = this.#twilioLeg(ws);
      leg.on((e) => {
        if (e.type === "ended") clearTimeout(timer);
      });
      leg.onStart((s) => {
        clearTimeout(timer);
        const callId = s.customParameters.call_id ?? s.customParameters.callId ?? id;
        const session = this.#d.calls.live(callId);
        if (!session || session.record.callType !== "phone_call") {
          leg.close();
          return refuse(ws, AUDIO_WS_CLOSE.unknownCall, `unknown call ${callId}`);
        }
        if (!this.#claim(ws, session)) return leg.close();
        this.#startTwilio(session, leg, s);
      });
      ws.emit("message", data, isBinary);
    };
    ws.on("message", first);
    for (const [d, b] of early) ws.emit("message", d, b);
  }

  #twilioLeg(ws: WebSocket): TwilioLeg {
    return new TwilioLeg(ws, { held: true, ...(this.#o.mediaTimeouts ? { mediaTimeouts: this.#o.mediaTimeouts } : {}) });
  }

  #startTwilio(session: CallSession, leg: TwilioLeg, s: TwilioStart): void {
    session.clearTimer("registered");
    session.update({ telephonyIdentifier: { ...session.record.telephonyIdentifier, twilio_call_sid: s.callSid } });
    session.log("media.port", { leg: "twilio", event: "start", streamSid: s.streamSid, callSid: s.callSid, accountSid: s.accountSid, tracks: s.tracks, customParameters: s.customParameters });
    session.onHangup((end) => {
      session.log("media.port", { leg: "twilio", event: "closed", ...leg.stats });
      leg.close(end);
    });
    void this.#bind(session, leg);
  }

  /** Marks the call connected and hands the leg to the session (which starts the conversation). */
  async #bind(session: CallSession, leg: AudioLeg & { close(end?: CallEnd): void; release(): void }, started?: () => void): Promise<void> {
    const pre = leg.on((e) => {
      if (e.type === "ended") void session.end(e.end);
    });
    await session.connected();
    pre();
    if (session.ending) return leg.close();
    session.attachLeg(leg);
    leg.release();
    started?.();
  }
}

let sdkCache: { js: string; mtimeMs: number; path: string } | undefined;

/** The browser SDK: the Vite build in dist/web-sdk/ when present, else bundled from source once. */
export async function webSdkBundle(): Promise<string | undefined> {
  const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
  for (const dir of [join(root, "dist", "web-sdk"), join(process.cwd(), "dist", "web-sdk")]) {
    const path = join(dir, "parley-web.js");
    if (!existsSync(path)) continue;
    const mtimeMs = statSync(path).mtimeMs;
    if (sdkCache?.path !== path || sdkCache.mtimeMs !== mtimeMs) sdkCache = { js: readFileSync(path, "utf8"), mtimeMs, path };
    return sdkCache.js;
  }
  const entry = join(root, "web-sdk", "src", "index.ts");
  if (!existsSync(entry)) return undefined;
  if (sdkCache?.path === entry) return sdkCache.js;
  try {
    // esbuild comes with tsx (a runtime dependency); a checkout without a build still serves the SDK.
    const esbuild = await import("esbuild");
    const out = await esbuild.build({ entryPoints: [entry], bundle: true, format: "esm", target: "es2022", write: false, platform: "browser" });
    const js = out.outputFiles[0]?.text;
    if (js === undefined) return undefined;
    sdkCache = { js, mtimeMs: 0, path: entry };
    return js;
  } catch {
    return undefined;
  }
}
