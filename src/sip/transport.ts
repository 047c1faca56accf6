// The face every SIP transport (UDP, TCP, TLS) shows the stack: datagrams or framed messages in,
// bytes out, each inbound message labelled with its source and the listener it came in on.
import type { SipMessage } from "./message.js";
import type { ParseError } from "./parse.js";

export type TransportKind = "udp" | "tcp" | "tls";

/** An IP address and port. */
export interface HostPort {
  readonly address: string;
  readonly port: number;
}

/** A remote end: where a message came from or goes to, and over which transport. */
export interface Peer extends HostPort {
  readonly transport: TransportKind;
}

/** What arrived, where from, and on which of our listeners. */
export type Inbound =
  | {
      readonly kind: "message";
      readonly message: SipMessage;
      readonly raw: Buffer;
      readonly source: Peer;
      readonly local: HostPort;
      /** Stream transports: the connection it came on, so a response can go back on it (§18.2.2). */
      readonly connectionId?: string;
    }
  | {
      readonly kind: "malformed";
      readonly error: ParseError;
      readonly raw: Buffer;
      readonly source: Peer;
      readonly local: HostPort;
      readonly connectionId?: string;
    };

/** Where to send: a peer address, optionally pinned to an existing connection. */
export interface SendTarget extends HostPort {
  readonly connectionId?: string;
}

/** One listening transport. */
export interface Transport {
  readonly kind: TransportKind;
  /** TCP/TLS: no SIP retransmissions needed. */
  readonly reliable: boolean;
  /** The bound address (with the real port when 0 was asked). */
  readonly local: HostPort;
  /** Sends one serialized message; rejects with SipTransportError. Resolves with the connection used, if any. */
  send(data: Buffer, target: SendTarget): Promise<string | undefined>;
  /** Stops listening and closes every socket. */
  close(): Promise<void>;
}

/** Callbacks a transport reports to. */
export interface TransportSink {
  readonly inbound: (inbound: Inbound) => void;
  /** A connection closed or failed outside any send (for logs). */
  readonly connectionEvent?: (e: ConnectionEvent) => void;
}

/** Life events of stream connections, for the message log. */
export type ConnectionEvent =
  | { readonly type: "opened"; readonly connectionId: string; readonly peer: Peer; readonly direction: "in" | "out" }
  | { readonly type: "closed"; readonly connectionId: string; readonly peer: Peer; readonly why: "idle" | "remote" | "error" | "shutdown"; readonly error?: string };

/** `udp:127.0.0.1:5060` — how peers are named in logs and in TransportFailure.target. */
export function peerLabel(p: Peer): string {
  return `${p.transport}:${p.address}:${p.port}`;
}

/** True when a datagram or stream prefix is only CRLF keep-alive (RFC 5626 §3.5.1). */
export function isKeepAlive(data: Buffer): boolean {
  for (const b of data) if (b !== 13 && b !== 10) return false;
  return true;
}
