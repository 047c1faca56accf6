// Why a message could not be sent or a connection failed, kept precise for outcome classification.

/** The transport-level failure causes a transaction can report. */
export type TransportFailureCause =
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

/** A classified transport failure with the underlying error text and code. */
export interface TransportFailure {
  readonly cause: TransportFailureCause;
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
export function classifySocketError(err: unknown, fallback: TransportFailureCause = "send_failed"): TransportFailure {
  if (err instanceof SipTransportError) return err.failure;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : undefined;
  const message = typeof e?.message === "string" ? e.message : String(err);
  const cause: TransportFailureCause =
    code === "ECONNREFUSED" ? "connect_refused"
    : code === "ETIMEDOUT" ? "connect_timeout"
    : code === "ECONNRESET" || code === "EPIPE" ? "connection_reset"
    : code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "EADDRNOTAVAIL" ? "host_unreachable"
    : code === "EMSGSIZE" ? "message_too_large"
    : code !== undefined && code.startsWith("ERR_SSL") ? "tls_handshake"
    : fallback;
  return code !== undefined ? { cause, message, code } : { cause, message };
}
