// Why a message could not be sent or a connection failed, kept precise for outcome classification.

/** The transport-level failure causes a transaction can report. */
export type TransportFailureCause =
  | "dns_failed"
  | "connect_refused"
  | "connect_timeout"
  | "tls_handshake"
  | "connection_reset"
  | "connection_closed"
  | "host_unreachable"
  | "message_too_large"
  | "no_transport"
  | "transport_closed"
  | "send_failed";

/** Where the failure happened: resolving the target, connecting, the TLS handshake, or writing. */
export type TransportStage = "resolve" | "connect" | "tls_handshake" | "send";

/** A classified transport failure with the underlying error text and code. */
export interface TransportFailure {
  readonly cause: TransportFailureCause;
  readonly stage: TransportStage;
  /** The peer it was meant for, as `transport:address:port`. */
  readonly target?: string;
  readonly message: string;
  /** The errno code from the socket (ECONNREFUSED, ECONNRESET…), when there was one. */
  readonly code?: string;
}

/** An Error carrying a TransportFailure, thrown/rejected by transports. */
export class SipTransportError extends Error {
  constructor(readonly failure: TransportFailure) {
    super(failure.message);
    this.name = "SipTransportError";
  }
}

/** Maps a Node socket error to a TransportFailure. */
export function classifySocketError(err: unknown, stage: TransportStage = "send", target?: string): TransportFailure {
  if (err instanceof SipTransportError) return err.failure;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : undefined;
  const message = typeof e?.message === "string" ? e.message : String(err);
  const cause: TransportFailureCause =
    code === "ETIMEDOUT" ? "connect_timeout"
    : code === "ECONNRESET" || code === "EPIPE" ? "connection_reset"
    : code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "EADDRNOTAVAIL" ? "host_unreachable"
    : code === "EMSGSIZE" ? "message_too_large"
    : code === "ENOTFOUND" || code === "EAI_AGAIN" ? "dns_failed"
    : (code !== undefined && (code.startsWith("ERR_SSL") || code.startsWith("ERR_TLS") || code.includes("CERT"))) || stage === "tls_handshake" ? "tls_handshake"
    : code === "ECONNREFUSED" ? "connect_refused"
    : "send_failed";
  const where: TransportStage = cause === "dns_failed" ? "resolve" : stage;
  return { cause, stage: where, message, ...(code !== undefined ? { code } : {}), ...(target !== undefined ? { target } : {}) };
}
