import type { DialHost } from "./dial-host.js";
import type { DialRequest, OutboundDialer } from "../calls/call-service.js";
import type { PortAllocator } from "../media/index.js";
import type { SipStack, ServerTransaction, SipTrace } from "../sip/stack.js";
import type { LiveSipCall } from "./live-sip-call.js";
import type { CallEvidence } from "../recording/call-evidence.js";
import type { MediaTimeouts } from "./sip-leg.js";
import { ExpiryQueue } from "../sip/expiry-queue.js";
import { realClock } from "../sip/timers.js";
import { OutboundCall } from "./outbound-call.js";
import { sipEventOf } from "./sip-log.js";
import type { LogFn } from "../calls/call-log.js";
import { detached } from "../core/index.js";

type MessageTrace = Extract<SipTrace, { type: "message" }>;

/** A call whose SIP messages go to its log and capture. */
interface Tracked {
  log: LogFn;
  evidence: CallEvidence | undefined;
}

export interface SipHubLog {
  warn(obj: object, msg: string): void;
}

/** Handles new INVITEs (the inbound router). */
export type InviteHandler = (tx: ServerTransaction) => void;

/**
 * The telephony side of the SIP stack: places outbound calls, hands new INVITEs to the inbound
 * router, routes in-dialog requests to their call, and copies every SIP message into the log of
 * the call it belongs to.
 */
export interface SipHubOptions {
  readonly stack: SipStack;
  readonly ports: PortAllocator;
  /** The address put in SDP and Contact. */
  readonly publicHost: string;
  /** Where call evidence (PCAP, recordings) is written. */
  readonly dataDir: string;
  readonly mediaTimeouts: MediaTimeouts;
  /** False on a signalling-only node: calls carry no RTP and run no conversation. */
  readonly mediaEnabled?: boolean;
  readonly log: SipHubLog;
}

export class SipHub implements OutboundDialer {
  readonly stack: SipStack;
  readonly ports: PortAllocator;
  readonly publicHost: string;
  readonly dataDir: string;
  readonly mediaTimeouts: MediaTimeouts;
  readonly mediaEnabled: boolean;
  private readonly log: SipHubLog;
  readonly #bySipCallId = new Map<string, Tracked>();
  readonly #byDialog = new Map<string, LiveSipCall>();
  readonly #early = new EarlyTraces();
  /** Ended calls' mappings, dropped 5 s after the end: one queue rather than a timer per call. */
  readonly #retired = new ExpiryQueue(realClock);
  #onInvite: InviteHandler | undefined;
  readonly #untap: () => void;

  constructor(o: SipHubOptions) {
    this.stack = o.stack;
    this.ports = o.ports;
    this.publicHost = o.publicHost;
    this.dataDir = o.dataDir;
    this.mediaTimeouts = o.mediaTimeouts;
    this.mediaEnabled = o.mediaEnabled ?? true;
    this.log = o.log;
    this.#untap = o.stack.onMessage((t) => {
      if (t.type !== "message") return;
      const sipCallId = t.message.headers.callId();
      if (!sipCallId) return;
      const call = this.#bySipCallId.get(sipCallId);
      if (call) this.#record(call, t);
      else this.#early.keep(sipCallId, t);
    });
    o.stack.onRequest((tx) => this.#route(tx));
  }

  /** Sets who answers new INVITEs. */
  onInvite(handler: InviteHandler): void {
    this.#onInvite = handler;
  }

  /** OutboundDialer: places the call over the number's trunk. */
  dial(session: DialHost, request: DialRequest): void {
    new OutboundCall(this, session, request).run().catch((err: unknown) => {
      this.log.warn({ err: String(err), callId: session.callId }, "outbound call failed unexpectedly");
    });
  }

  /** Sends this SIP Call-ID's messages to the session's log (and its capture) until the session ends. */
  track(sipCallId: string, session: DialHost, evidence?: CallEvidence): void {
    if (!sipCallId) return;
    // The key outlives the call by seconds: it must not keep the INVITE's text alive.
    sipCallId = detached(sipCallId);
    const entry: Tracked = { log: (type, data, at, raw) => session.log(type, data, at, raw), evidence };
    this.#bySipCallId.set(sipCallId, entry);
    // The INVITE and our first answers to it went by before the call existed: they open its log.
    for (const t of this.#early.take(sipCallId)) this.#record(entry, t);
    session.once("ended", () => this.#retire(sipCallId, entry, session.lateLog?.()));
  }

  /**
   * Late retransmissions and the BYE's answer still belong to the call's log: the mapping stays a
   * few seconds, through the host's light late log where it has one. Kept apart from track() so the
   * timer's closure does not share a scope with, and so keep alive, the ended host.
   */
  #retire(sipCallId: string, entry: Tracked, lateLog: LogFn | undefined): void {
    entry.evidence = undefined;
    if (lateLog) entry.log = lateLog;
    this.#retired.add(5000, () => {
      if (this.#bySipCallId.get(sipCallId) === entry) this.#bySipCallId.delete(sipCallId);
    });
  }

  #record(call: Tracked, t: MessageTrace): void {
    const ev = sipEventOf(t, this.publicHost);
    if (!ev) return;
    call.log(ev.direction === "in" ? "sip.in" : "sip.out", ev.data, t.at, ev.raw);
    call.evidence?.sip({ direction: t.direction, transport: t.peer.transport, local: t.local, peer: t.peer, raw: t.raw, at: t.at });
  }

  /** Makes a connected call reachable by its dialog. */
  attach(call: LiveSipCall): void {
    this.#byDialog.set(call.dialog.key, call);
  }

  detach(call: LiveSipCall): void {
    try {
      if (this.#byDialog.get(call.dialog.key) === call) this.#byDialog.delete(call.dialog.key);
    } catch {
      // never connected: no dialog
    }
  }

  get liveSipCalls(): number {
    return this.#byDialog.size;
  }

  /** Stops routing; the stack itself is closed by its owner. */
  close(): void {
    this.#untap();
    this.#retired.clear();
  }

  #route(tx: ServerTransaction): void {
    const req = tx.request;
    const live = tx.dialog ? this.#byDialog.get(tx.dialog.key) : undefined;
    switch (req.method) {
      case "INVITE":
        if (tx.dialog) {
          // A session refresh or re-offer: keep the media as it is and answer with our SDP.
          if (live) tx.respond(200, "OK", { headers: [["Contact", this.stack.contact(tx.source.transport)]], contentType: "application/sdp", body: live.localSdp });
          else tx.respond(481, "Call/Transaction Does Not Exist");
        } else if (this.#onInvite) this.#onInvite(tx);
        else tx.respond(503, "Service Unavailable");
        return;
      case "BYE":
        if (live) live.remoteBye(tx);
        else tx.respond(tx.dialog ? 200 : 481, tx.dialog ? "OK" : "Call/Transaction Does Not Exist");
        return;
      case "NOTIFY":
        if (live?.notify) live.notify(tx);
        else tx.respond(tx.dialog ? 200 : 481, tx.dialog ? "OK" : "Call/Transaction Does Not Exist");
        return;
      case "OPTIONS":
        tx.respond(200, "OK", { headers: [["Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER"], ["Accept", "application/sdp"]] });
        return;
      case "ACK":
        return;
      default:
        tx.respond(tx.dialog ? 200 : 405, tx.dialog ? "OK" : "Method Not Allowed", { headers: [["Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"]] });
    }
  }
}

/**
 * Messages of Call-IDs no call has claimed yet — a new INVITE and what we answer before the
 * router has made the call — held for a few seconds so `track()` can put them first in the log.
 * Two generations swapped on a coarse clock bound the memory without a timer per message.
 */
class EarlyTraces {
  #current = new Map<string, MessageTrace[]>();
  #previous = new Map<string, MessageTrace[]>();
  #swappedAt = 0;

  constructor(
    private readonly keepMs = 4000,
    private readonly perCallId = 8,
  ) {}

  keep(sipCallId: string, t: MessageTrace): void {
    const m = t.message;
    const setup = m.kind === "request" ? m.method === "INVITE" : m.headers.cseq()?.method === "INVITE";
    if (!setup) return;
    if (t.at - this.#swappedAt >= this.keepMs / 2) {
      this.#previous = this.#current;
      this.#current = new Map();
      this.#swappedAt = t.at;
    }
    const list = this.#current.get(sipCallId) ?? this.#previous.get(sipCallId) ?? [];
    if (list.length === 0) this.#current.set(sipCallId, list);
    if (list.length < this.perCallId) list.push(t);
  }

  take(sipCallId: string): MessageTrace[] {
    const list = this.#current.get(sipCallId) ?? this.#previous.get(sipCallId) ?? [];
    this.#current.delete(sipCallId);
    this.#previous.delete(sipCallId);
    return list;
  }
}
