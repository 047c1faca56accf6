/** Why a call operation was refused before any call existed; api/ maps these to HTTP statuses. */
export type CallServiceErrorKind = "not_found" | "invalid" | "conflict";

export class CallServiceError extends Error {
  constructor(
    readonly kind: CallServiceErrorKind,
    /** The request field (or resource) the problem is about. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
