// The transport layer (RFC 3261 §18): owns the listeners, stamps received/rport on inbound requests,
// routes responses back per §18.2.2, answers unreadable requests with 400, and shows every message
// in and out to one trace sink.
import { Headers } from "./headers.js";
import { formatVia } from "./headers-typed.js";
import type { SipMessage, SipRequest, SipResponse } from "./message.js";
import { parseMessage, type ParseError } from "./parse.js";
import { serializeMessage } from "./serialize.js";
import { SipTransportError, classifySocketError, type TransportFailure } from "./transport-error.js";
import type { ConnectionEvent, HostPort, Inbound, Peer, Transport, TransportKind } from "./transport.js";

/** One line of the message log: what went in or out, where, and when. */
export type SipTrace =
  | {
      readonly type: "message";
      readonly direction: "in" | "out";
      readonly message: SipMessage;
      readonly raw: Buffer;
      readonly peer: Peer;
      readonly local: HostPort;
      readonly at: number;
      readonly retransmission: boolean;
    }
  | { readonly type: "malformed"; readonly raw: Buffer; readonly error: ParseError; readonly peer: Peer; readonly local: HostPort; readonly at: number; readonly answered: boolean }
  | { readonly type: "send_failed"; readonly message: SipMessage; readonly peer: Peer; readonly failure: TransportFailure; readonly at: number }
  | { readonly type: "connection"; readonly event: ConnectionEvent; readonly at: number }
  /** Application code (a request handler or a transaction listener) threw; the stack went on. */
  | { readonly type: "tu_error"; readonly where: string; readonly error: string; readonly at: number };

/** A well-formed inbound message after §18.2.1 processing. */
export interface Received {
  readonly message: SipMessage;
  readonly raw: Buffer;
  readonly source: Peer;
  readonly local: HostPort;
  readonly connectionId?: string;
}

/** Where a response to a received request must go, remembered by its server transaction. */
export interface ReplyPath {
  readonly transport: TransportKind;
  readonly source: Peer;
  readonly connectionId?: string;
}

/**
 * A response as it went out, kept to answer retransmissions of its request: bytes and where they
 * go, without the message objects (a settled transaction keeps this for 32 s).
 */
export interface SentResponse {
  readonly raw: Buffer;
  readonly target: Peer;
  readonly connectionId?: string;
}

const DEFAULT_PORT: Readonly<Record<TransportKind, number>> = { udp: 5060, tcp: 5060, tls: 5061 };

/** Routes messages between the listeners and the transaction layer. */
export class TransportLayer {
  readonly #transports = new Map<TransportKind, Transport>();

  constructor(
    private readonly deliver: (r: Received) => void,
    private readonly trace: (t: SipTrace) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Registers a listening transport (one per kind). */
  add(t: Transport): void {
    this.#transports.set(t.kind, t);
  }

  /** The listener of a kind, if any. */
  get(kind: TransportKind): Transport | undefined {
    return this.#transports.get(kind);
  }

  /** Every listener. */
  all(): Transport[] {
    return [...this.#transports.values()];
  }

  /** Entry point for transports: classifies, stamps and delivers one inbound message. */
  readonly inbound = (inb: Inbound): void => {
    if (inb.kind === "malformed") {
      const answered = this.#answerMalformed(inb);
      this.trace({ type: "malformed", raw: inb.raw, error: inb.error, peer: inb.source, local: inb.local, at: this.now(), answered });
      return;
    }
    const m = inb.message;
    if (m.kind === "request") stampReceived(m, inb.source);
    this.trace({ type: "message", direction: "in", message: m, raw: inb.raw, peer: inb.source, local: inb.local, at: this.now(), retransmission: false });
    this.deliver({ message: m, raw: inb.raw, source: inb.source, local: inb.local, ...(inb.connectionId !== undefined ? { connectionId: inb.connectionId } : {}) });
  };

  /** Reports connection life events to the trace. */
  readonly connectionEvent = (event: ConnectionEvent): void => {
    this.trace({ type: "connection", event, at: this.now() });
  };

  /** Sends a request to `target`; rejects with SipTransportError. */
  async sendRequest(req: SipRequest, target: Peer, retransmission = false): Promise<void> {
    await this.#send(req, target, undefined, retransmission);
  }

  /** Sends a response back along its request's path (§18.2.2). */
  async sendResponse(res: SipResponse, path: ReplyPath, retransmission = false): Promise<void> {
    await this.#send(res, responseTarget(res, path), path.connectionId, retransmission);
  }

  /** The bytes and destination of `res` sent along `path`, to be sent again later with `resend`. */
  keepForResend(res: SipResponse, path: ReplyPath): SentResponse {
    const target = responseTarget(res, path);
    return { raw: serializeMessage(res), target, ...(path.connectionId !== undefined ? { connectionId: path.connectionId } : {}) };
  }

  /** Sends a kept response again; rejects with SipTransportError. Its trace reads the bytes back (retransmissions are rare). */
  async resend(sent: SentResponse): Promise<void> {
    const parsed = parseMessage(sent.raw);
    if (!parsed.ok) throw new Error(`a kept response no longer parses: ${parsed.error.message}`);
    await this.#sendRaw(parsed.message, sent.raw, sent.target, sent.connectionId, true);
  }

  /** Closes every listener. */
  async close(): Promise<void> {
    await Promise.all(this.all().map((t) => t.close()));
    this.#transports.clear();
  }

  #send(m: SipMessage, target: Peer, connectionId: string | undefined, retransmission: boolean): Promise<void> {
    return this.#sendRaw(m, serializeMessage(m), target, connectionId, retransmission);
  }

  /** Sends `raw`, the bytes of `m`, and traces it (or the failure). */
  async #sendRaw(m: SipMessage, raw: Buffer, target: Peer, connectionId: string | undefined, retransmission: boolean): Promise<void> {
    const t = this.#transports.get(target.transport);
    if (t === undefined) {
      const failure: TransportFailure = { cause: "no_transport", stage: "send", target: `${target.transport}:${target.address}:${target.port}`, message: `no ${target.transport} listener` };
      this.trace({ type: "send_failed", message: m, peer: target, failure, at: this.now() });
      throw new SipTransportError(failure);
    }
    try {
      await t.send(raw, connectionId !== undefined ? { ...target, connectionId } : target);
    } catch (err) {
      const failure = classifySocketError(err, "send", `${target.transport}:${target.address}:${target.port}`);
      this.trace({ type: "send_failed", message: m, peer: target, failure, at: this.now() });
      throw new SipTransportError(failure);
    }
    this.trace({ type: "message", direction: "out", message: m, raw, peer: target, local: t.local, at: this.now(), retransmission });
  }

  /** A request we cannot parse still gets a 400 when Via, From, To, Call-ID and CSeq were readable. */
  #answerMalformed(inb: Extract<Inbound, { kind: "malformed" }>): boolean {
    const p = inb.error.partial;
    if (p === undefined || p.kind !== "request" || p.method === "ACK") return false;
    if (p.via === undefined || p.from === undefined || p.to === undefined || p.callId === undefined || p.cseq === undefined) return false;
    const h = new Headers();
    const vias = p.headers?.getLines("via") ?? [p.via];
    for (const v of vias) h.append("Via", v);
    h.append("From", p.from);
    h.append("To", p.to);
    h.append("Call-ID", p.callId);
    h.append("CSeq", p.cseq);
    h.append("Warning", `399 parley "${inb.error.message.replace(/["\\\r\n]/g, " ").slice(0, 200)}"`);
    const res: SipResponse = { kind: "response", status: 400, reason: "Bad Request", headers: h, body: Buffer.alloc(0) };
    const via = res.headers.via();
    if (via === undefined) return false;
    const path: ReplyPath = { transport: inb.source.transport, source: inb.source, ...(inb.connectionId !== undefined ? { connectionId: inb.connectionId } : {}) };
    // Our 400 must reach the sender even when its Via is unusable: fall back to the packet's source.
    this.#send(res, responseTarget(res, path), path.connectionId, false).catch(() => {});
    return true;
  }
}

/**
 * RFC 3261 §18.2.1 + RFC 3581: note the packet's real source in the top Via (`received`, and the
 * port in an empty `rport`) so responses find the way back through NAT.
 */
export function stampReceived(req: SipRequest, source: Peer): void {
  const via = req.headers.via();
  if (via === undefined) return;
  const wantsRport = via.rport === true;
  if (!wantsRport && stripBrackets(via.host) === source.address) return;
  const params = new Map(via.params);
  params.set("received", source.address);
  if (wantsRport) params.set("rport", String(source.port));
  const vias = req.headers.getAll("via");
  vias[0] = formatVia({ ...via, params });
  req.headers.remove("via");
  for (let i = vias.length - 1; i >= 0; i--) req.headers.prepend("Via", vias[i]!);
}

/** Where a response goes (§18.2.2): the same connection if reliable, else received/rport from the top Via. */
export function responseTarget(res: SipResponse, path: ReplyPath): Peer {
  const via = res.headers.via();
  const transport = path.transport;
  if (via === undefined) return path.source;
  const address = via.received ?? stripBrackets(via.host);
  const port = typeof via.rport === "number" ? via.rport : via.port ?? DEFAULT_PORT[transport];
  return { transport, address, port };
}

function stripBrackets(h: string): string {
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}
