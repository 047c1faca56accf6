// SIP over TLS (RFC 3261 §26.3.1): node:tls with the certificate and key from config.
import { connect, createServer } from "node:tls";
import { isIP } from "node:net";
import { StreamTransport, type StreamFactory, type StreamTransportOptions } from "./transport-stream.js";
import type { TransportSink } from "./transport.js";

export interface TlsOptions {
  /** PEM certificate chain we present. */
  readonly cert: string | Buffer;
  /** PEM private key. */
  readonly key: string | Buffer;
  /** Trusted CAs for the peers we dial (default: Node's bundled roots). */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Verify the far end's certificate when dialling; default true. */
  readonly rejectUnauthorized?: boolean;
  /** Ask inbound peers for a client certificate (mutual TLS); default false. */
  readonly requestClientCert?: boolean;
}

/** Listens for SIP over TLS and dials out on demand (connections pooled by remote address). */
export function listenTls(options: StreamTransportOptions & { readonly tls: TlsOptions }, sink: TransportSink): Promise<StreamTransport> {
  const t = options.tls;
  const ca = t.ca === undefined ? undefined : Array.isArray(t.ca) ? [...t.ca] : [t.ca as string | Buffer];
  const factory: StreamFactory = {
    kind: "tls",
    createServer: (onSocket) =>
      createServer({ cert: t.cert, key: t.key, requestCert: t.requestClientCert ?? false, rejectUnauthorized: t.requestClientCert ?? false }, onSocket),
    connect: (target) => ({
      socket: connect({
        host: target.address,
        port: target.port,
        cert: t.cert,
        key: t.key,
        ...(ca !== undefined ? { ca } : {}),
        rejectUnauthorized: t.rejectUnauthorized ?? true,
        // SNI carries host names only, never IP literals (RFC 6066 §3).
        ...(isIP(target.address) === 0 ? { servername: target.address } : {}),
      }),
      readyEvent: "secureConnect",
    }),
  };
  return StreamTransport.listen(factory, options, sink);
}
