// SIP over a byte stream (TCP or TLS): listener, framing, and a client connection pool keyed by
// remote address with idle close. Responses and requests reuse whichever connection fits (§18).
import type { Server, Socket } from "node:net";
import type { ParseOptions } from "./parse.js";
import { SipStreamFramer } from "./parse-stream.js";
import { serializeMessage } from "./serialize.js";
import type { ConnectionEvent, HostPort, Peer, SendTarget, Transport, TransportSink } from "./transport.js";
import { SipTransportError, classifySocketError } from "./transport-error.js";

/** How a stream transport makes its sockets; TCP and TLS differ only here. */
export interface StreamFactory {
  readonly kind: "tcp" | "tls";
  createServer(onSocket: (s: Socket) => void): Server;
  /** Opens a client socket; `readyEvent` is emitted once it may carry data. */
  connect(target: HostPort): { socket: Socket; readyEvent: "connect" | "secureConnect" };
}

export interface StreamTransportOptions {
  readonly address: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Close a connection after this long without traffic either way; default 5 minutes. */
  readonly idleTimeoutMs?: number;
  /** Give up connecting (and for TLS, handshaking) after this long; default 5 s. */
  readonly connectTimeoutMs?: number;
  readonly parse?: ParseOptions;
}

interface Connection {
  readonly id: string;
  readonly socket: Socket;
  readonly peer: Peer;
  readonly framer: SipStreamFramer;
  idle: NodeJS.Timeout | undefined;
  open: boolean;
}

let nextConnection = 0;

/** A TCP or TLS listener with its pool of inbound and outbound connections. */
export class StreamTransport implements Transport {
  readonly reliable = true;
  readonly #byId = new Map<string, Connection>();
  readonly #byPeer = new Map<string, Connection>();
  readonly #connecting = new Map<string, Promise<Connection>>();
  #local: HostPort = { address: "", port: 0 };
  #closed = false;

  private constructor(
    private readonly factory: StreamFactory,
    private readonly server: Server,
    private readonly options: StreamTransportOptions,
    private readonly sink: TransportSink,
  ) {}

  /** Starts listening and delivering framed messages to `sink`. */
  static async listen(factory: StreamFactory, options: StreamTransportOptions, sink: TransportSink): Promise<StreamTransport> {
    let self: StreamTransport | undefined;
    const server = factory.createServer((socket) => self?.adopt(socket, "in"));
    self = new StreamTransport(factory, server, options, sink);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.address, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", () => {});
    const a = server.address();
    if (a !== null && typeof a === "object") self.#local = { address: a.address, port: a.port };
    return self;
  }

  get kind(): "tcp" | "tls" {
    return this.factory.kind;
  }

  get local(): HostPort {
    return this.#local;
  }

  /** Open connections (for tests and metrics). */
  get connectionCount(): number {
    return this.#byId.size;
  }

  async send(data: Buffer, target: SendTarget): Promise<string | undefined> {
    if (this.#closed) throw new SipTransportError({ cause: "transport_closed", stage: "send", message: `${this.kind} transport closed` });
    let conn = target.connectionId !== undefined ? this.#byId.get(target.connectionId) : undefined;
    if (conn === undefined || !conn.open) conn = this.#byPeer.get(peerKey(target));
    if (conn === undefined || !conn.open) conn = await this.#connect(target);
    await this.#write(conn, data);
    return conn.id;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of [...this.#byId.values()]) this.#drop(c, "shutdown");
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Takes a connected socket (accepted or dialled) into the pool. */
  private adopt(socket: Socket, direction: "in" | "out"): Connection {
    const peer: Peer = { transport: this.kind, address: normalizeAddress(socket.remoteAddress ?? ""), port: socket.remotePort ?? 0 };
    const conn: Connection = {
      id: `${this.kind}-${++nextConnection}`,
      socket,
      peer,
      framer: new SipStreamFramer(this.options.parse !== undefined ? { parse: this.options.parse } : {}),
      idle: undefined,
      open: true,
    };
    if (this.#closed) {
      socket.destroy();
      return conn;
    }
    this.#byId.set(conn.id, conn);
    this.#byPeer.set(peerKey(peer), conn);
    socket.setNoDelay(true);
    this.#touch(conn);
    this.sink.connectionEvent?.({ type: "opened", connectionId: conn.id, peer, direction });
    socket.on("data", (chunk: Buffer) => this.#onData(conn, chunk));
    socket.on("error", (err) => this.#drop(conn, "error", err.message));
    socket.on("close", () => this.#drop(conn, "remote"));
    return conn;
  }

  #onData(conn: Connection, chunk: Buffer): void {
    this.#touch(conn);
    const from = { source: conn.peer, local: this.#local, connectionId: conn.id };
    for (const f of conn.framer.push(chunk)) {
      switch (f.type) {
        case "message":
          // The framer keeps no copy of the bytes; re-serializing gives the log an equivalent.
          this.sink.inbound({ kind: "message", message: f.message, raw: serializeMessage(f.message), ...from });
          break;
        case "invalid":
          this.sink.inbound({ kind: "malformed", error: f.error, raw: Buffer.alloc(0), ...from });
          break;
        case "ping":
          // RFC 5626 §4.4.1: a double-CRLF ping is answered with a single CRLF pong.
          conn.socket.write("\r\n");
          break;
        case "fatal":
          // The framing is lost: report it, then hang up; nothing on this stream can be trusted.
          this.sink.inbound({ kind: "malformed", error: f.error, raw: Buffer.alloc(0), ...from });
          setImmediate(() => this.#drop(conn, "error", f.error.message));
          break;
      }
    }
  }

  #connect(target: HostPort): Promise<Connection> {
    const key = peerKey(target);
    const pending = this.#connecting.get(key);
    if (pending !== undefined) return pending;
    const label = `${this.kind}:${target.address}:${target.port}`;
    const p = new Promise<Connection>((resolve, reject) => {
      const { socket, readyEvent } = this.factory.connect(target);
      let tcpUp = false;
      socket.once("connect", () => { tcpUp = true; });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new SipTransportError({ cause: "connect_timeout", stage: tcpUp ? "tls_handshake" : "connect", target: label, message: `no connection to ${label} within ${this.#connectTimeout()} ms` }));
      }, this.#connectTimeout());
      const onError = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new SipTransportError(classifySocketError(err, tcpUp && this.kind === "tls" ? "tls_handshake" : "connect", label)));
      };
      socket.once("error", onError);
      socket.once(readyEvent, () => {
        clearTimeout(timer);
        socket.off("error", onError);
        resolve(this.adopt(socket, "out"));
      });
    }).finally(() => this.#connecting.delete(key));
    this.#connecting.set(key, p);
    return p;
  }

  #write(conn: Connection, data: Buffer): Promise<void> {
    this.#touch(conn);
    return new Promise((resolve, reject) => {
      conn.socket.write(data, (err) => {
        if (err) reject(new SipTransportError(classifySocketError(err, "send", `${this.kind}:${conn.peer.address}:${conn.peer.port}`)));
        else resolve();
      });
    });
  }

  #touch(conn: Connection): void {
    if (conn.idle !== undefined) clearTimeout(conn.idle);
    conn.idle = setTimeout(() => this.#drop(conn, "idle"), this.options.idleTimeoutMs ?? 300_000);
    conn.idle.unref();
  }

  #drop(conn: Connection, why: Extract<ConnectionEvent, { type: "closed" }>["why"], error?: string): void {
    if (!conn.open) return;
    conn.open = false;
    if (conn.idle !== undefined) clearTimeout(conn.idle);
    this.#byId.delete(conn.id);
    if (this.#byPeer.get(peerKey(conn.peer)) === conn) this.#byPeer.delete(peerKey(conn.peer));
    if (why === "idle" || why === "shutdown") conn.socket.end();
    conn.socket.destroy();
    this.sink.connectionEvent?.({ type: "closed", connectionId: conn.id, peer: conn.peer, why, ...(error !== undefined ? { error } : {}) });
  }

  #connectTimeout(): number {
    return this.options.connectTimeoutMs ?? 5_000;
  }
}

function peerKey(p: HostPort): string {
  return `${normalizeAddress(p.address)}|${p.port}`;
}

/** `::ffff:127.0.0.1` (a v4 peer on a dual-stack socket) → `127.0.0.1`. */
function normalizeAddress(a: string): string {
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}
