// The transaction layer (RFC 3261 §17): creates transactions, matches every inbound message to one
// (§17.1.3, §17.2.3), handles CANCEL (§9.2) and routes ACKs for 2xx to the INVITE they confirm.
import { detached } from "../core/detached-string.js";
import { ListenerList } from "../core/listener-list.js";
import type { Dialog } from "./dialog.js";
import type { SipRequest, SipResponse } from "./message.js";
import { buildResponse, newTag, type BuildResponseOptions } from "./serialize.js";
import { ExpiryQueue } from "./expiry-queue.js";
import { timeoutMs, type Clock, type TimerPolicy } from "./timers.js";
import { InviteClientTransaction } from "./transaction-invite-client.js";
import { InviteServerTransaction } from "./transaction-invite-server.js";
import { NonInviteClientTransaction } from "./transaction-non-invite-client.js";
import { NonInviteServerTransaction } from "./transaction-non-invite-server.js";
import {
  clientKey,
  serverKey,
  type ClientOutcome,
  type ClientTxEvent,
  type ServerOutcome,
  type ServerTxEvent,
  type TransactionDeps,
} from "./transaction.js";
import type { Received, ReplyPath, SentResponse, TransportLayer } from "./transport-layer.js";
import type { HostPort, Peer } from "./transport.js";

/** What the layer does with a new request before a transaction exists (allow-list, rate limit…). */
export type Screening =
  | { readonly action: "accept" }
  | { readonly action: "drop" }
  | { readonly action: "reject"; readonly status: number; readonly reason: string; readonly headers?: ReadonlyArray<readonly [string, string]> };

/** The events of a server transaction as the TU sees them: the machine's, plus CANCEL. */
export type ServerTransactionEvent = ServerTxEvent | { readonly type: "cancel"; readonly request: SipRequest };

export interface TransactionLayerOptions {
  readonly clock: Clock;
  readonly timers: TimerPolicy;
  readonly transport: TransportLayer;
  /** A new request with its server transaction, for the TU. */
  readonly onRequest: (tx: ServerTransaction) => void;
  /** Decides about a new request before its transaction is made; default accept. */
  readonly screen?: (req: SipRequest, source: Peer) => Screening;
  /** A response matching no transaction (e.g. a 2xx retransmitted after Timer M). */
  readonly onStrayResponse?: (res: SipResponse, r: Received) => void;
  /** An ACK matching no transaction (an ACK for a 2xx whose INVITE transaction is gone). */
  readonly onStrayAck?: (ack: SipRequest, r: Received) => void;
  /** The Contact put on a 1xx/2xx to INVITE when the TU gave none (§12.1.1 requires one on the 2xx). */
  readonly defaultContact?: (tx: ServerTransaction) => string;
  /** A TU callback (request handler or event listener) threw; the stack keeps running and reports it here. */
  readonly onTuError?: (err: unknown, where: string) => void;
  /** Called after the TU's response went to the transaction (the stack builds UAS dialogs here). */
  readonly onResponded?: (tx: ServerTransaction, res: SipResponse) => void;
}

/** A request we sent, its machine, and how it ended. */
export class ClientTransaction {
  readonly outcome: Promise<ClientOutcome>;
  readonly #listeners = new ListenerList<ClientTxEvent>();
  #resolve!: (o: ClientOutcome) => void;
  readonly machine: InviteClientTransaction | NonInviteClientTransaction;
  /** INVITE: the dialog its 1xx-with-tag or 2xx created (set by the stack). */
  dialog: Dialog | undefined;
  /** INVITE: set once the TU asked to cancel it. */
  cancelRequested = false;

  constructor(readonly request: SipRequest, readonly target: Peer, deps: TransactionDeps, report: (err: unknown, where: string) => void = () => {}) {
    this.outcome = new Promise((r) => { this.#resolve = r; });
    const emit = (e: ClientTxEvent): void => {
      if (e.type === "outcome") this.#resolve(e.outcome);
      for (const l of this.#listeners.current) {
        // A throwing listener must not leave the state machine half-way through a transition.
        try {
          l(e);
        } catch (err) {
          report(err, `client transaction listener (${e.type})`);
        }
      }
    };
    this.machine = request.method === "INVITE" ? new InviteClientTransaction(request, deps, emit) : new NonInviteClientTransaction(request, deps, emit);
  }

  /** Subscribes to this transaction's events; returns the unsubscribe function. */
  on(listener: (e: ClientTxEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** The state machine's current state. */
  get state(): string {
    return this.machine.state;
  }
}

/** A request we received, waiting for (or holding) the TU's response. */
export class ServerTransaction {
  readonly outcome: Promise<ServerOutcome>;
  #localTag: string | undefined;
  readonly machine: InviteServerTransaction | NonInviteServerTransaction;
  readonly #listeners = new ListenerList<ServerTransactionEvent>();
  #resolve!: (o: ServerOutcome) => void;
  /** The dialog this request belongs to (in-dialog requests) or created (INVITE answered with a tag). */
  dialog: Dialog | undefined;
  #cancelled = false;

  constructor(
    readonly request: SipRequest,
    readonly path: ReplyPath,
    readonly local: HostPort,
    deps: TransactionDeps,
    private readonly responded: (tx: ServerTransaction, res: SipResponse) => void,
    private readonly defaultContact?: (tx: ServerTransaction) => string,
    private readonly report: (err: unknown, where: string) => void = () => {},
  ) {
    this.outcome = new Promise((r) => { this.#resolve = r; });
    const emit = (e: ServerTxEvent): void => {
      if (e.type === "outcome") this.#resolve(e.outcome);
      this.emit(e);
    };
    this.machine = request.method === "INVITE" ? new InviteServerTransaction(request, deps, emit) : new NonInviteServerTransaction(request, deps, emit);
  }

  /** Our To tag for every non-100 response of this transaction (a dialog's local tag); made on first use. */
  get localTag(): string {
    this.#localTag ??= this.request.headers.to()?.tag ?? newTag();
    return this.#localTag;
  }

  /** Where the request came from. */
  get source(): Peer {
    return this.path.source;
  }

  /** The state machine's current state. */
  get state(): string {
    return this.machine.state;
  }

  /** True once a CANCEL for this INVITE arrived. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** True while a final response may still be sent. */
  get pending(): boolean {
    return this.machine.state === "proceeding" || this.machine.state === "trying";
  }

  /** Subscribes to this transaction's events; returns the unsubscribe function. */
  on(listener: (e: ServerTransactionEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Builds and sends a response (§8.2.6): Via/From/To/Call-ID/CSeq copied, our To tag on
   * everything but 100. Returns it so the caller can log it or build a dialog from it.
   */
  respond(status: number, reason: string, options: Omit<BuildResponseOptions, "toTag"> = {}): SipResponse {
    const res = buildResponse(this.request, status, reason, { ...options, toTag: this.localTag });
    if (this.request.method === "INVITE" && status > 100 && status < 300 && !res.headers.has("contact") && this.defaultContact !== undefined) {
      res.headers.append("Contact", this.defaultContact(this));
    }
    this.send(res);
    return res;
  }

  /** Sends a response the TU built itself. Throws TransactionStateError when a final was already sent. */
  send(res: SipResponse): void {
    this.machine.respond(res);
    this.responded(this, res);
  }

  /** Marks the CANCEL and tells the listeners (the layer answers 487 right after). */
  noteCancel(cancel: SipRequest): void {
    this.#cancelled = true;
    this.emit({ type: "cancel", request: cancel });
  }

  private emit(e: ServerTransactionEvent): void {
    for (const l of this.#listeners.current) {
      try {
        l(e);
      } catch (err) {
        this.report(err, `server transaction listener (${e.type})`);
      }
    }
  }
}

/**
 * What is left of a server transaction once only retransmissions can reach it: a non-INVITE's
 * last response, resent when its request comes again (Timer J), or an answered INVITE whose
 * retransmissions and ACKs are absorbed (Timer L after the ACK, Timer I after a non-2xx). Keeping
 * this instead of the whole transaction — request, responses, dialog, timers — for 32 s was most
 * of the memory a finished call held, and most of the garbage collector's work under load.
 */
interface Lingering {
  /** Resent on a retransmitted request; absent: the retransmission is absorbed. */
  readonly resend?: SentResponse;
}

/** Matches messages to transactions and owns their lifetimes. */
export class TransactionLayer {
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  /** INVITE server transactions in Accepted, by Call-ID + From tag + CSeq: where 2xx ACKs go. */
  readonly #accepted = new Map<string, ServerTransaction>();
  /** Settled server transactions by server key, and answered INVITEs by ACK key. */
  readonly #lingering = new Map<string, Lingering>();
  readonly #lingeringAcks = new Map<string, Lingering>();
  readonly #expiry: ExpiryQueue;

  constructor(private readonly o: TransactionLayerOptions) {
    this.#expiry = new ExpiryQueue(o.clock);
  }

  /** Starts a client transaction for `req` towards `target`. The request must carry its Via already. */
  request(req: SipRequest, target: Peer): ClientTransaction {
    const key = clientKey(req);
    if (key === undefined) throw new Error("a request needs a top Via with a branch and a CSeq before it is sent");
    if (this.#clients.has(key)) throw new Error(`a client transaction with branch ${key} already exists`);
    const tx = new ClientTransaction(req, target, {
      clock: this.o.clock,
      timers: this.o.timers,
      reliable: target.transport !== "udp",
      send: (m, retransmission) => this.o.transport.sendRequest(m as SipRequest, target, retransmission),
    }, this.#report);
    this.#clients.set(key, tx);
    tx.on((e) => {
      if (e.type === "terminated") this.#clients.delete(key);
    });
    // Started on the next microtask so a caller can subscribe to every event, the first send included.
    queueMicrotask(() => tx.machine.start());
    return tx;
  }

  /** Live transaction counts, for tests and metrics (settled ones that only absorb retransmissions apart). */
  get counts(): { clients: number; servers: number; lingering: number } {
    return { clients: this.#clients.size, servers: this.#servers.size, lingering: this.#lingering.size };
  }

  /** Entry point from the transport layer. */
  readonly receive = (r: Received): void => {
    const m = r.message;
    if (m.kind === "response") {
      const key = clientKey(m);
      const tx = key === undefined ? undefined : this.#clients.get(key);
      if (tx !== undefined) tx.machine.onResponse(m);
      else this.o.onStrayResponse?.(m, r);
      return;
    }
    const key = serverKey(m);
    if (key === undefined) return; // no Via: the parser lets it through only in lenient modes; nothing to answer to
    if (m.method === "ACK") return this.#receiveAck(m, key, r);
    const existing = this.#servers.get(key);
    if (existing !== undefined) {
      existing.machine.onRequestRetransmission();
      return;
    }
    const lingering = this.#lingering.get(key);
    if (lingering !== undefined) {
      const r = lingering.resend;
      if (r !== undefined) this.o.transport.resend(r).catch(() => undefined);
      return;
    }
    const screening = this.o.screen?.(m, r.source) ?? { action: "accept" };
    if (screening.action === "drop") return;
    const tx = this.#createServer(m, key, r);
    if (screening.action === "reject") {
      tx.respond(screening.status, screening.reason, screening.headers !== undefined ? { headers: screening.headers } : {});
      return;
    }
    if (m.method === "CANCEL") return this.#receiveCancel(tx, m);
    try {
      this.o.onRequest(tx);
    } catch (err) {
      this.#report(err, `request handler (${m.method})`);
      if (tx.pending) tx.respond(500, "Server Internal Error");
    }
  };

  readonly #report = (err: unknown, where: string): void => {
    try {
      this.o.onTuError?.(err, where);
    } catch {
      // The error sink itself failed: nothing sensible is left to do with it.
    }
  };

  /** Ends every transaction now (stack shutdown). */
  abortAll(why: string): void {
    for (const tx of [...this.#clients.values()]) tx.machine.abort(why);
    for (const tx of [...this.#servers.values()]) tx.machine.abort(why);
    this.#expiry.clear();
    this.#lingering.clear();
    this.#lingeringAcks.clear();
  }

  #createServer(req: SipRequest, key: string, r: Received): ServerTransaction {
    const path: ReplyPath = { transport: r.source.transport, source: r.source, ...(r.connectionId !== undefined ? { connectionId: r.connectionId } : {}) };
    const tx = new ServerTransaction(req, path, r.local, {
      clock: this.o.clock,
      timers: this.o.timers,
      reliable: r.source.transport !== "udp",
      send: (m, retransmission) => this.o.transport.sendResponse(m as SipResponse, path, retransmission),
    }, (t, res) => this.o.onResponded?.(t, res), this.o.defaultContact, this.#report);
    this.#servers.set(key, tx);
    const ackKey = acceptedKey(req);
    // A non-INVITE the TU never answers would live forever; by 64·T1 the client has given up (Timer F).
    const guard = req.method === "INVITE" ? undefined : this.o.clock.schedule(64 * this.o.timers.t1Ms, () => {
      if (tx.pending) tx.respond(500, "Server Internal Error", { headers: [["Warning", '399 parley "no answer from the application"']] });
    });
    tx.on((e) => {
      if (e.type === "state" && e.to === "accepted" && ackKey !== undefined) this.#accepted.set(ackKey, tx);
      // Settled once the final response is out and nothing but retransmissions can follow: after
      // the TU has seen the event (hence the microtask), the transaction hands over to a linger record.
      const settled = (e.type === "timer_set" && (e.timer === "J" || e.timer === "I") && e.delayMs > 0) || e.type === "ack";
      if (settled) queueMicrotask(() => this.#settle(tx, key, ackKey));
      if (e.type === "terminated") {
        guard?.cancel();
        this.#servers.delete(key);
        if (ackKey !== undefined && this.#accepted.get(ackKey) === tx) this.#accepted.delete(ackKey);
      }
    });
    tx.machine.start();
    return tx;
  }

  /** Ends a settled server transaction and keeps a linger record in its place until its timer would have run out. */
  #settle(tx: ServerTransaction, liveKey: string, liveAckKey: string | undefined): void {
    const m = tx.machine;
    if (m.state === "terminated" || this.#servers.get(liveKey) !== tx) return;
    // Linger keys live 32 s: copies of their own, so they do not keep the request's text alive.
    const key = detached(liveKey);
    const ackKey = liveAckKey === undefined ? undefined : detached(liveAckKey);
    const final = m.finalResponse;
    const invite = m.kind === "invite-server";
    const linger: Lingering = !invite && final !== undefined ? { resend: this.o.transport.keepForResend(final, tx.path) } : {};
    this.#lingering.set(key, linger);
    if (invite && ackKey !== undefined) this.#lingeringAcks.set(ackKey, linger);
    const policy = this.o.timers;
    this.#expiry.add(invite && m.state === "confirmed" ? policy.t4Ms : timeoutMs(policy), () => {
      if (this.#lingering.get(key) === linger) this.#lingering.delete(key);
      if (ackKey !== undefined && this.#lingeringAcks.get(ackKey) === linger) this.#lingeringAcks.delete(ackKey);
    });
    m.settle();
  }

  #receiveAck(ack: SipRequest, key: string, r: Received): void {
    const tx = this.#servers.get(key);
    if (tx !== undefined && tx.machine instanceof InviteServerTransaction) {
      tx.machine.onAck(ack);
      return;
    }
    // The ACK of a non-2xx we already have (same branch as its INVITE): absorbed.
    if (this.#lingering.has(key)) return;
    const ackKey = acceptedKey(ack);
    const accepted = ackKey === undefined ? undefined : this.#accepted.get(ackKey);
    if (accepted !== undefined && accepted.machine instanceof InviteServerTransaction) accepted.machine.onAck(ack);
    // A retransmitted ACK for a 2xx already acknowledged: absorbed, as the Accepted state would.
    else if (ackKey !== undefined && this.#lingeringAcks.has(ackKey)) return;
    else this.o.onStrayAck?.(ack, r);
  }

  /** §9.2: 200 to the CANCEL, then 487 to the INVITE if it is still pending; 481 if there is none. */
  #receiveCancel(cancelTx: ServerTransaction, cancel: SipRequest): void {
    const inviteKey = serverKey(cancel, "INVITE");
    const invite = inviteKey === undefined ? undefined : this.#servers.get(inviteKey);
    if (invite === undefined) {
      // An INVITE answered already: the CANCEL has no effect but is still acknowledged (§9.2).
      if (inviteKey !== undefined && this.#lingering.has(inviteKey)) cancelTx.respond(200, "OK");
      else cancelTx.respond(481, "Call/Transaction Does Not Exist");
      return;
    }
    cancelTx.respond(200, "OK");
    if (invite.pending && invite.machine instanceof InviteServerTransaction) {
      invite.noteCancel(cancel);
      if (invite.pending) invite.respond(487, "Request Terminated");
    }
  }
}

/** Call-ID + From tag + CSeq number: ties a 2xx ACK to its INVITE (the ACK has its own branch). */
function acceptedKey(req: SipRequest): string | undefined {
  const callId = req.headers.callId();
  const tag = req.headers.from()?.tag;
  const seq = req.headers.cseq()?.seq;
  if (callId === undefined || seq === undefined) return undefined;
  return `${callId}\n${tag ?? ""}\n${seq}`;
}
