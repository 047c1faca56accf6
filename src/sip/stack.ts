// The SIP stack facade: listeners, transactions and dialogs behind one object the telephony layer
// drives. Nothing global: every stack owns its sockets and timers, and close() releases them all.
//
//   const stack = createSipStack({ host: "0.0.0.0", port: 5060, publicHost: "203.0.113.5" });
//   await stack.listen();
//   // outbound
//   const tx = stack.request(stack.createRequest("INVITE", "sip:+14155550123@trunk.example", { body: sdp, contentType: "application/sdp" }));
//   tx.on((e) => { if (e.type === "provisional") … });
//   const out = await tx.outcome;              // final | timeout (B, cancel_guard) | transport_error | aborted
//   if (out.kind === "final" && out.response.status < 300) { await stack.sendAck(tx.dialog!); … stack.requestInDialog(tx.dialog!, "BYE"); }
//   // inbound
//   stack.onRequest((tx) => { tx.respond(180, "Ringing"); tx.on((e) => e.type === "cancel" && …); tx.respond(200, "OK", { body, contentType }); });
import { ListenerList } from "../core/listener-list.js";
import { buildCancel, dialogFromUac, dialogFromUas, DialogTable, type Dialog, type InDialogRequestOptions } from "./dialog.js";
import { Headers } from "./headers.js";
import { createRequest, type SipRequest, type SipResponse } from "./message.js";
import type { ParseOptions } from "./parse.js";
import { newBranch, newTag } from "./serialize.js";
import { realClock, timerPolicy, type Clock, type TimerHandle, type TimerPolicy } from "./timers.js";
import { TransactionLayer, type ClientTransaction, type Screening, type ServerTransaction } from "./transaction-layer.js";
import { TransportLayer, type Received, type SipTrace } from "./transport-layer.js";
import type { InviteRateLimiter } from "./transport-rate-limit.js";
import { listenTcp } from "./transport-tcp.js";
import { nextHop } from "./transport-target.js";
import { listenTls, type TlsOptions } from "./transport-tls.js";
import { UdpTransport } from "./transport-udp.js";
import type { HostPort, Peer, TransportKind, TransportSink } from "./transport.js";

export interface SipStackOptions {
  /** Address to bind; default 127.0.0.1. */
  readonly host?: string;
  /** UDP and TCP port; 0 picks a free one (the same for both). Default 5060. */
  readonly port?: number;
  /** Which of UDP/TCP to open on `port`; default both. */
  readonly transports?: ReadonlyArray<"udp" | "tcp">;
  /** TLS listener, opened only when given. */
  readonly tls?: TlsOptions & { readonly port: number };
  /** Host put in Via and Contact; default `host`. */
  readonly publicHost?: string;
  readonly timers?: Partial<TimerPolicy>;
  readonly clock?: Clock;
  readonly udpReceiveBufferBytes?: number;
  readonly idleTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly parse?: ParseOptions;
  /** Applied to new INVITEs (not retransmissions, not re-INVITEs) before a transaction is made. */
  readonly inviteRateLimit?: { readonly limiter: InviteRateLimiter; readonly action: "reject" | "drop"; readonly retryAfterSec?: number };
  /** Above this many live server transactions, new requests get 503 + Retry-After; default 100,000. */
  readonly maxServerTransactions?: number;
  /** Allow-list: false for a peer we do not talk to. */
  readonly acceptPeer?: (source: Peer, req: SipRequest) => boolean;
  /** What to do with requests from peers `acceptPeer` refuses; default drop (silence tells a scanner nothing). */
  readonly unknownPeerAction?: "drop" | "reject";
  /** Answer 481 to requests with a To tag that match no dialog; default true. */
  readonly rejectUnknownDialogs?: boolean;
  /** User-Agent / Server header value; default "Parley". */
  readonly userAgent?: string;
}

/** Fields for a new out-of-dialog request (INVITE, OPTIONS, REGISTER, MESSAGE…). */
export interface NewRequestOptions {
  /** From as a URI or name-addr; a tag is added. Default `sip:parley@<publicHost>`. */
  readonly from?: string;
  /** To as a URI or name-addr; default the Request-URI. */
  readonly to?: string;
  readonly callId?: string;
  readonly cseq?: number;
  /** Add our Contact for this transport (default: for INVITE, SUBSCRIBE, REFER, REGISTER). */
  readonly contactTransport?: TransportKind;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer | string;
  readonly contentType?: string;
}

/** The SIP stack. */
export interface SipStack {
  /** Opens the listeners. */
  listen(): Promise<void>;
  /** Ends every transaction, closes every socket and timer. Idempotent. */
  close(): Promise<void>;
  /** Bound addresses per transport (after listen). */
  readonly addresses: Readonly<Partial<Record<TransportKind, HostPort>>>;
  /** Live dialogs. */
  readonly dialogs: DialogTable;
  /** Sets the handler of new requests (out of dialog, and in-dialog ones that matched a dialog). */
  onRequest(handler: (tx: ServerTransaction) => void): void;
  /** Adds a tap that sees every message in and out; returns its remover. */
  onMessage(tap: (t: SipTrace) => void): () => void;
  /** Builds a new out-of-dialog request with tags, Call-ID, CSeq, Max-Forwards and Contact filled in. */
  createRequest(method: string, uri: string, options?: NewRequestOptions): SipRequest;
  /**
   * A copy of a sent request for another attempt (after 401/407, or to a 3xx Contact): same Call-ID,
   * From tag and body, CSeq + 1, no Via (a new branch is added on send), `headers` set (replacing).
   */
  createFollowUp(req: SipRequest, options?: { readonly uri?: string; readonly headers?: ReadonlyArray<readonly [string, string]> }): SipRequest;
  /** Sends a request in a new client transaction; target defaults to the top Route or the Request-URI. */
  request(req: SipRequest, target?: Peer): ClientTransaction;
  /** Cancels a pending INVITE (§9.1); sent when the first provisional has arrived. */
  cancel(tx: ClientTransaction, reason?: string): void;
  /** Sends the ACK for the dialog's 2xx; re-sent automatically if that 2xx is retransmitted. */
  sendAck(dialog: Dialog, options?: InDialogRequestOptions): Promise<void>;
  /** Sends an in-dialog request (BYE, re-INVITE, INFO, REFER…); a BYE ends the dialog. */
  requestInDialog(dialog: Dialog, method: string, options?: InDialogRequestOptions): ClientTransaction;
  /** Our Contact URI for a transport, as a name-addr. */
  contact(transport?: TransportKind): string;
  /** Live transaction counts. */
  readonly transactionCounts: { clients: number; servers: number; lingering: number };
}

const CONTACT_METHODS = new Set(["INVITE", "SUBSCRIBE", "REFER", "REGISTER", "NOTIFY"]);

/** Creates a stack; call listen() before use. */
export function createSipStack(options: SipStackOptions = {}): SipStack {
  return new Stack(options);
}

class Stack implements SipStack {
  readonly dialogs = new DialogTable();
  readonly #taps = new ListenerList<SipTrace>();
  readonly #acks = new Map<string, { ack: SipRequest; target: Peer }>();
  readonly #ackTimers = new Set<TimerHandle>();
  readonly #transport: TransportLayer;
  readonly #transactions: TransactionLayer;
  readonly #clock: Clock;
  #handler: ((tx: ServerTransaction) => void) | undefined;
  #addresses: Partial<Record<TransportKind, HostPort>> = {};
  #closed = false;

  constructor(private readonly o: SipStackOptions) {
    this.#clock = o.clock ?? realClock;
    this.#transport = new TransportLayer((r) => this.#transactions.receive(r), (t) => this.#trace(t), () => this.#clock.now());
    this.#transactions = new TransactionLayer({
      clock: this.#clock,
      timers: timerPolicy(o.timers),
      transport: this.#transport,
      onRequest: (tx) => this.#onRequest(tx),
      screen: (req, source) => this.#screen(req, source),
      onStrayResponse: (res) => this.#onStrayResponse(res),
      onResponded: (tx, res) => this.#onResponded(tx, res),
      defaultContact: (tx) => this.contact(tx.source.transport),
      onTuError: (err, where) => this.#trace({ type: "tu_error", where, error: err instanceof Error ? err.stack ?? err.message : String(err), at: this.#clock.now() }),
    });
  }

  get addresses(): Readonly<Partial<Record<TransportKind, HostPort>>> {
    return this.#addresses;
  }

  get transactionCounts(): { clients: number; servers: number; lingering: number } {
    return this.#transactions.counts;
  }

  async listen(): Promise<void> {
    if (this.#closed) throw new Error("the SIP stack is closed");
    if (this.#transport.all().length > 0) throw new Error("the SIP stack is already listening");
    const host = this.o.host ?? "127.0.0.1";
    const kinds = this.o.transports ?? ["udp", "tcp"];
    const sink: TransportSink = { inbound: this.#transport.inbound, connectionEvent: this.#transport.connectionEvent };
    const stream = { idleTimeoutMs: this.o.idleTimeoutMs, connectTimeoutMs: this.o.connectTimeoutMs, parse: this.o.parse };
    const clean = <T extends object>(x: T): T => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as T;
    // With port 0, UDP picks the port and TCP must get the same one; retry if TCP finds it taken.
    for (let attempt = 0; ; attempt++) {
      const port = this.o.port ?? 5060;
      let udp: UdpTransport | undefined;
      try {
        if (kinds.includes("udp")) {
          udp = await UdpTransport.listen(clean({ address: host, port, receiveBufferBytes: this.o.udpReceiveBufferBytes, parse: this.o.parse }), sink);
        }
        const tcpPort = udp?.local.port ?? port;
        if (kinds.includes("tcp")) this.#transport.add(await listenTcp(clean({ address: host, port: tcpPort, ...stream }), sink));
        if (udp !== undefined) this.#transport.add(udp);
        break;
      } catch (err) {
        await udp?.close();
        if (port !== 0 || attempt >= 5) throw err;
      }
    }
    if (this.o.tls !== undefined) {
      this.#transport.add(await listenTls(clean({ address: host, port: this.o.tls.port, tls: this.o.tls, ...stream }), sink));
    }
    for (const t of this.#transport.all()) this.#addresses[t.kind] = t.local;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#transactions.abortAll("stack closed");
    await this.#transport.close();
    this.#acks.clear();
    for (const t of this.#ackTimers) t.cancel();
    this.#ackTimers.clear();
    this.#taps.clear();
  }

  onRequest(handler: (tx: ServerTransaction) => void): void {
    this.#handler = handler;
  }

  onMessage(tap: (t: SipTrace) => void): () => void {
    return this.#taps.add(tap);
  }

  contact(transport: TransportKind = "udp"): string {
    const port = this.#addresses[transport]?.port ?? this.o.port ?? 5060;
    return `<sip:${this.#publicHost()}:${port}${transport === "udp" ? "" : `;transport=${transport}`}>`;
  }

  createRequest(method: string, uri: string, options: NewRequestOptions = {}): SipRequest {
    const h = new Headers();
    const from = options.from ?? `sip:parley@${this.#publicHost()}`;
    h.append("From", `${asNameAddr(from)};tag=${newTag()}`);
    h.append("To", asNameAddr(options.to ?? uri));
    h.append("Call-ID", options.callId ?? `${newTag()}${newTag()}@${this.#publicHost()}`);
    h.append("CSeq", `${options.cseq ?? 1} ${method}`);
    h.append("Max-Forwards", "70");
    if (options.contactTransport !== undefined || CONTACT_METHODS.has(method)) h.append("Contact", this.contact(options.contactTransport ?? "udp"));
    h.append("User-Agent", this.o.userAgent ?? "Parley");
    for (const [n, v] of options.headers ?? []) h.append(n, v);
    if (options.contentType !== undefined) h.set("Content-Type", options.contentType);
    return createRequest(method, uri, h, options.body);
  }

  createFollowUp(req: SipRequest, options: { readonly uri?: string; readonly headers?: ReadonlyArray<readonly [string, string]> } = {}): SipRequest {
    const h = Headers.from(req.headers);
    h.remove("via");
    const cseq = req.headers.cseq();
    h.set("CSeq", `${(cseq?.seq ?? 0) + 1} ${req.method}`);
    for (const [n, v] of options.headers ?? []) h.set(n, v);
    return createRequest(req.method, options.uri ?? req.uri, h, req.body);
  }

  request(req: SipRequest, target?: Peer): ClientTransaction {
    if (this.#closed) throw new Error("the SIP stack is closed");
    const peer = target ?? this.#route(req);
    if (!req.headers.has("via")) req.headers.prepend("Via", this.#via(peer.transport));
    if (!req.headers.has("max-forwards")) req.headers.append("Max-Forwards", "70");
    const tx = this.#transactions.request(req, peer);
    if (req.method === "INVITE") this.#trackInvite(tx);
    return tx;
  }

  cancel(tx: ClientTransaction, reason?: string): void {
    if (tx.request.method !== "INVITE" || tx.cancelRequested) return;
    const st = tx.machine.state;
    if (st !== "calling" && st !== "proceeding") return;
    tx.cancelRequested = true;
    const send = (): void => {
      if (tx.machine.state !== "proceeding") return; // a final already arrived: nothing left to cancel
      this.#transactions.request(buildCancel(tx.request, reason), tx.target);
      if (tx.machine.kind === "invite-client") tx.machine.onCancelSent();
    };
    if (tx.machine.kind === "invite-client" && tx.machine.provisionalReceived) send();
    else {
      // §9.1: no CANCEL before a provisional; but the clock for giving up starts now.
      if (tx.machine.kind === "invite-client") tx.machine.onCancelSent();
      const off = tx.on((e) => {
        if (e.type === "provisional") {
          off();
          send();
        } else if (e.type === "terminated") off();
      });
    }
  }

  async sendAck(dialog: Dialog, options: InDialogRequestOptions = {}): Promise<void> {
    const ack = dialog.createAck(options);
    const target = this.#route(ack);
    ack.headers.prepend("Via", this.#via(target.transport));
    this.#acks.set(dialog.key, { ack, target });
    // The ACK only matters while the 2xx may be retransmitted (64·T1); forget it after that.
    const forget = this.#clock.schedule(64 * timerPolicy(this.o.timers).t1Ms, () => {
      this.#ackTimers.delete(forget);
      if (this.#acks.get(dialog.key)?.ack === ack) this.#acks.delete(dialog.key);
    });
    this.#ackTimers.add(forget);
    await this.#transport.sendRequest(ack, target);
  }

  requestInDialog(dialog: Dialog, method: string, options: InDialogRequestOptions = {}): ClientTransaction {
    const req = dialog.createRequest(method, options);
    const tx = this.request(req);
    tx.dialog = dialog;
    if (method === "BYE") {
      // §15.1.1: the session is over once the BYE is handed to its transaction; the dialog goes with its answer.
      dialog.terminate();
      void tx.outcome.then(() => this.dialogs.remove(dialog));
    }
    return tx;
  }

  #route(req: SipRequest): Peer {
    const hop = nextHop(req.uri, req.headers.getAll("route"));
    if (!hop.ok) throw new Error(hop.error);
    return hop.peer;
  }

  #via(kind: TransportKind): string {
    const port = this.#addresses[kind]?.port ?? this.o.port ?? 5060;
    return `SIP/2.0/${kind.toUpperCase()} ${this.#publicHost()}:${port};branch=${newBranch()};rport`;
  }

  /** The host for Via, Contact and Call-ID; IPv6 literals in brackets (RFC 3261 §25.1 IPv6reference). */
  #publicHost(): string {
    const h = this.o.publicHost ?? this.o.host ?? "127.0.0.1";
    return h.includes(":") && !h.startsWith("[") ? `[${h}]` : h;
  }

  #trace(t: SipTrace): void {
    for (const tap of this.#taps.current) {
      try {
        tap(t);
      } catch {
        // A broken log sink must not break signalling.
      }
    }
  }

  /** INVITE client: make the dialog on a tagged 1xx or the 2xx, and re-ACK retransmitted 2xx. */
  #trackInvite(tx: ClientTransaction): void {
    tx.on((e) => {
      if (e.type === "outcome" && !(e.outcome.kind === "final" && e.outcome.response.status < 300)) {
        // A failed INVITE takes its early dialogs with it (§12.3).
        for (const d of this.#earlyDialogs(tx)) this.dialogs.remove(d);
        tx.dialog = undefined;
      } else if (e.type === "provisional" || e.type === "final") {
        const res = e.response;
        if (res.status >= 300 || res.headers.to()?.tag === undefined || res.status === 100) return;
        const existing = this.dialogs.matchResponse(res);
        if (existing !== undefined) {
          if (res.status >= 200) existing.confirm(res);
          tx.dialog = existing;
          return;
        }
        const d = dialogFromUac(tx.request, res);
        if (d !== undefined) tx.dialog = this.dialogs.add(d);
      } else if (e.type === "extra_2xx") {
        this.#reAck(e.response);
      }
    });
  }

  /** Early dialogs an INVITE made: same Call-ID and local tag, still early. */
  #earlyDialogs(tx: ClientTransaction): Dialog[] {
    const callId = tx.request.headers.callId();
    const tag = tx.request.headers.from()?.tag;
    return this.dialogs.all().filter((d) => d.role === "uac" && d.state === "early" && d.id.callId === callId && d.id.localTag === tag);
  }

  #reAck(res: SipResponse): void {
    const d = this.dialogs.matchResponse(res);
    const sent = d === undefined ? undefined : this.#acks.get(d.key);
    if (sent !== undefined) this.#transport.sendRequest(sent.ack, sent.target, true).catch(() => {});
  }

  #onStrayResponse(res: SipResponse): void {
    if (res.status >= 200 && res.status < 300 && res.headers.cseq()?.method === "INVITE") this.#reAck(res);
  }

  #screen(req: SipRequest, source: Peer): Screening {
    if (this.o.acceptPeer !== undefined && !this.o.acceptPeer(source, req)) {
      return this.o.unknownPeerAction === "reject" ? { action: "reject", status: 403, reason: "Forbidden" } : { action: "drop" };
    }
    if (this.#transactions.counts.servers >= (this.o.maxServerTransactions ?? 100_000)) {
      return { action: "reject", status: 503, reason: "Service Unavailable", headers: [["Retry-After", "5"]] };
    }
    const limit = this.o.inviteRateLimit;
    if (limit !== undefined && req.method === "INVITE" && req.headers.to()?.tag === undefined && !limit.limiter(source)) {
      if (limit.action === "drop") return { action: "drop" };
      return { action: "reject", status: 503, reason: "Service Unavailable", headers: [["Retry-After", String(limit.retryAfterSec ?? 5)]] };
    }
    return { action: "accept" };
  }

  #onRequest(tx: ServerTransaction): void {
    const req = tx.request;
    if (req.headers.to()?.tag !== undefined) {
      const d = this.dialogs.matchRequest(req);
      if (d === undefined) {
        if (this.o.rejectUnknownDialogs ?? true) {
          tx.respond(481, "Call/Transaction Does Not Exist");
          return;
        }
      } else {
        const check = d.acceptRemoteRequest(req);
        if (!check.ok) {
          tx.respond(check.status, check.reason);
          return;
        }
        tx.dialog = d;
      }
    }
    if (this.#handler !== undefined) {
      this.#handler(tx);
      return;
    }
    // Without a TU: keep-alive pings and hang-ups still get a sensible answer.
    if (req.method === "OPTIONS" || (req.method === "BYE" && tx.dialog !== undefined)) tx.respond(200, "OK");
    else tx.respond(501, "Not Implemented");
  }

  /** UAS side: an INVITE answered with a tag makes (or confirms) a dialog; a 2xx to BYE ends one. */
  #onResponded(tx: ServerTransaction, res: SipResponse): void {
    const req = tx.request;
    if (req.method === "INVITE" && res.status > 100 && res.status < 300) {
      if (tx.dialog === undefined) {
        const d = dialogFromUas(req, res);
        if (d !== undefined) tx.dialog = this.dialogs.add(d);
      } else if (res.status >= 200) tx.dialog.confirm();
    } else if (req.method === "INVITE" && res.status >= 300 && tx.dialog !== undefined && tx.dialog.state === "early") {
      this.dialogs.remove(tx.dialog);
    } else if (req.method === "BYE" && res.status >= 200 && res.status < 300 && tx.dialog !== undefined) {
      this.dialogs.remove(tx.dialog);
    }
  }
}

function asNameAddr(s: string): string {
  return s.includes("<") ? s : `<${s}>`;
}

export type { ClientTransaction, ServerTransaction, ServerTransactionEvent } from "./transaction-layer.js";
export type { SipTrace, Received } from "./transport-layer.js";
