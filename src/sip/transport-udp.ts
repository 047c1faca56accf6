// SIP over UDP: one socket per listener, a large receive buffer so bursts are not lost in the kernel.
import { createSocket, type Socket } from "node:dgram";
import { lookup } from "node:dns";
import { isIP, isIPv6 } from "node:net";
import { parseMessage, type ParseOptions } from "./parse.js";
import { isKeepAlive, type HostPort, type SendTarget, type Transport, type TransportSink } from "./transport.js";
import { SipTransportError, classifySocketError } from "./transport-error.js";

export interface UdpTransportOptions {
  readonly address: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** SO_RCVBUF in bytes; 4 MB by default (the kernel may cap it at net.core.rmem_max). */
  readonly receiveBufferBytes?: number;
  readonly parse?: ParseOptions;
}

/**
 * dgram resolves every destination through dns.lookup, even an IP literal (a deferred callback and
 * its bookkeeping per datagram). Nearly every SIP destination is a literal from a Via or a trunk
 * address: those go straight through, names still resolve.
 */
function literalFirstLookup(host: string, options: { family?: number | string } | number, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const family = isIP(host);
  if (family !== 0) return callback(null, host, family);
  lookup(host, typeof options === "number" ? { family: options } : (options as { family?: number }), callback);
}

/** A bound UDP listener that also sends from its own port (so peers see a symmetric source). */
export class UdpTransport implements Transport {
  readonly kind = "udp" as const;
  readonly reliable = false;
  #local: HostPort;
  #closed = false;

  private constructor(private readonly socket: Socket, local: HostPort) {
    this.#local = local;
  }

  /** Binds the socket and starts delivering datagrams to `sink`. */
  static async listen(options: UdpTransportOptions, sink: TransportSink): Promise<UdpTransport> {
    const socket = createSocket({ type: isIPv6(options.address) ? "udp6" : "udp4", reuseAddr: false, lookup: literalFirstLookup });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(options.port, options.address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(options.receiveBufferBytes ?? 4 * 1024 * 1024);
    } catch {
      // The kernel refused the size; the default buffer still works, only bursts suffer.
    }
    const addr = socket.address();
    const t = new UdpTransport(socket, { address: addr.address, port: addr.port });
    const local = t.#local;
    // A socket error after bind (e.g. ICMP reports on some OSes) must never crash the process.
    socket.on("error", () => {});
    socket.on("message", (data, rinfo) => {
      if (data.length === 0 || isKeepAlive(data)) return;
      const source = { transport: "udp" as const, address: rinfo.address, port: rinfo.port };
      const r = parseMessage(data, options.parse);
      if (r.ok) sink.inbound({ kind: "message", message: r.message, raw: data, source, local });
      else sink.inbound({ kind: "malformed", error: r.error, raw: data, source, local });
    });
    return t;
  }

  get local(): HostPort {
    return this.#local;
  }

  send(data: Buffer, target: SendTarget): Promise<string | undefined> {
    if (this.#closed) return Promise.reject(new SipTransportError({ cause: "transport_closed", stage: "send", message: "UDP transport closed" }));
    return new Promise((resolve, reject) => {
      this.socket.send(data, target.port, target.address, (err) => {
        if (err) reject(new SipTransportError(classifySocketError(err, "send", `udp:${target.address}:${target.port}`)));
        else resolve(undefined);
      });
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
