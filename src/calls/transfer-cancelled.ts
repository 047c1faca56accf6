import { callEnd, type CallEnd, type DisconnectionReason, type SipResponseEvidence } from "../core/index.js";

/** A warm transfer that did not connect: where it went, and the target leg's classified ending. */
export interface CancelledTransfer {
  readonly destination: string;
  readonly targetEnd: CallEnd;
}

/**
 * The ordinary ways a conversation ends. After a cancelled warm transfer they become
 * `transfer_cancelled` (the catalogue: "abandoned … and the call then ended"); failures and
 * operator actions keep their own reason, which says more.
 */
const ORDINARY: ReadonlySet<DisconnectionReason> = new Set<DisconnectionReason>(["agent_hangup", "user_hangup", "inactivity"]);

function responseEvidence(end: CallEnd): SipResponseEvidence | undefined {
  return end.sip && "code" in end.sip ? end.sip : undefined;
}

/** The call's ending once a warm transfer was cancelled: the target's SIP failure is kept as the evidence. */
export function afterCancelledTransfer(end: CallEnd, cancelled: CancelledTransfer | undefined): CallEnd {
  if (!cancelled || !ORDINARY.has(end.reason)) return end;
  const t = cancelled.targetEnd;
  const sip = responseEvidence(t);
  return callEnd("transfer_cancelled", {
    phase: end.phase,
    message: `the warm transfer to ${cancelled.destination} was cancelled (${t.message}); then ${end.message}`,
    subReason: t.subReason ? `${t.reason}:${t.subReason}` : t.reason,
    ...(sip ? { sip } : {}),
    at: end.at,
  });
}
