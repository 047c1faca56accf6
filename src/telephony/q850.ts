/**
 * The Q.850 cause table of spec/telephony.md §1.3: what each cause means on a failed INVITE and
 * which disconnection reason it maps to. Only "specific" causes override the SIP status code
 * (§1.4 rule 4); the rest are kept as evidence and the SIP code decides.
 */
import type { DisconnectionReason } from "../core/reasons.js";

/** One row of the table. */
export interface Q850Cause {
  readonly cause: number;
  readonly name: string;
  /** The SIP status RFC 3398 §7.2.4.1 maps this cause to, when it names one. */
  readonly sip?: number;
  /**
   * The reason before answer. `undefined` means the cause says nothing useful pre-answer
   * (16 Normal clearing, 31 Normal unspecified): fall back to the SIP code.
   */
  readonly reason?: DisconnectionReason;
  /** Used instead of `reason` once the callee was alerted (180/183 seen); only cause 102 differs. */
  readonly reasonAfterRinging?: DisconnectionReason;
  readonly subReason?: string;
  readonly subReasonAfterRinging?: string;
  /** Specific causes win over the SIP code (§1.4 rule 4). */
  readonly specific: boolean;
}

type Row = Omit<Q850Cause, "specific">;

// Causes §1.4 rule 4 lists as specific: 1, 3, 17-22, 25, 28, 34-47, 50-58, 88, 102; plus 2, which
// the §1.4 table names beside 25 as a routing cause (rule 4's list leaves it out, the table does not).
const SPECIFIC: ReadonlySet<number> = new Set([
  1, 2, 3, 17, 18, 19, 20, 21, 22, 25, 28,
  34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
  50, 51, 52, 53, 54, 55, 56, 57, 58,
  88, 102,
]);

const ROWS: readonly Row[] = [
  { cause: 1, name: "Unallocated number", sip: 404, reason: "invalid_destination", subReason: "not_found" },
  { cause: 2, name: "No route to transit network", sip: 404, reason: "sip_routing_error", subReason: "no_route_transit_network" },
  { cause: 3, name: "No route to destination", sip: 404, reason: "invalid_destination", subReason: "no_route_to_destination" },
  { cause: 16, name: "Normal clearing" },
  { cause: 17, name: "User busy", sip: 486, reason: "dial_busy", subReason: "user_busy" },
  { cause: 18, name: "No user responding", sip: 408, reason: "dial_no_answer", subReason: "no_user_responding" },
  { cause: 19, name: "No answer from user (user alerted)", sip: 480, reason: "dial_no_answer", subReason: "no_answer" },
  { cause: 20, name: "Subscriber absent", sip: 480, reason: "dial_no_answer", subReason: "subscriber_absent" },
  { cause: 21, name: "Call rejected", sip: 403, reason: "user_declined", subReason: "call_rejected" },
  { cause: 22, name: "Number changed", sip: 410, reason: "invalid_destination", subReason: "number_changed" },
  { cause: 25, name: "Exchange routing error", reason: "sip_routing_error", subReason: "exchange_routing_error" },
  { cause: 27, name: "Destination out of order", sip: 502, reason: "dial_failed", subReason: "destination_out_of_order" },
  { cause: 28, name: "Invalid number format", sip: 484, reason: "invalid_destination", subReason: "address_incomplete" },
  { cause: 31, name: "Normal, unspecified", sip: 480 },
  { cause: 34, name: "No circuit/channel available", sip: 503, reason: "telephony_provider_unavailable", subReason: "congestion" },
  { cause: 38, name: "Network out of order", sip: 503, reason: "telephony_provider_unavailable", subReason: "network_out_of_order" },
  { cause: 39, name: "Permanent frame mode connection out of service", reason: "telephony_provider_unavailable", subReason: "network_out_of_order" },
  { cause: 41, name: "Temporary failure", sip: 503, reason: "telephony_provider_unavailable", subReason: "temporary_failure" },
  { cause: 42, name: "Switching equipment congestion", sip: 503, reason: "telephony_provider_unavailable", subReason: "congestion" },
  { cause: 44, name: "Requested circuit/channel not available", reason: "telephony_provider_unavailable", subReason: "channel_unavailable" },
  { cause: 47, name: "Resource unavailable, unspecified", sip: 503, reason: "telephony_provider_unavailable", subReason: "resource_unavailable" },
  { cause: 50, name: "Requested facility not subscribed", sip: 403, reason: "telephony_provider_permission_denied", subReason: "facility_not_subscribed" },
  { cause: 52, name: "Outgoing calls barred", sip: 403, reason: "telephony_provider_permission_denied", subReason: "outgoing_calls_barred" },
  { cause: 53, name: "Outgoing calls barred within CUG", sip: 403, reason: "telephony_provider_permission_denied", subReason: "outgoing_calls_barred" },
  { cause: 54, name: "Incoming calls barred", sip: 403, reason: "dial_failed", subReason: "incoming_calls_barred" },
  { cause: 55, name: "Incoming calls barred within CUG", sip: 403, reason: "dial_failed", subReason: "incoming_calls_barred" },
  { cause: 57, name: "Bearer capability not authorized", sip: 403, reason: "telephony_provider_permission_denied", subReason: "bearer_not_authorized" },
  { cause: 58, name: "Bearer capability not presently available", sip: 503, reason: "telephony_provider_unavailable", subReason: "bearer_unavailable" },
  { cause: 65, name: "Bearer capability not implemented", sip: 488, reason: "dial_failed", subReason: "media_negotiation_failed" },
  { cause: 79, name: "Service or option not implemented", sip: 501, reason: "dial_failed", subReason: "service_not_implemented" },
  { cause: 87, name: "User not member of CUG", sip: 403, reason: "dial_failed", subReason: "incoming_calls_barred" },
  { cause: 88, name: "Incompatible destination", sip: 488, reason: "dial_failed", subReason: "media_negotiation_failed" },
  {
    cause: 102, name: "Recovery on timer expiry", sip: 504,
    reason: "telephony_provider_unavailable", subReason: "upstream_no_response",
    reasonAfterRinging: "dial_no_answer", subReasonAfterRinging: "no_final_response",
  },
  { cause: 111, name: "Protocol error, unspecified", sip: 500, reason: "dial_failed", subReason: "protocol_error" },
  { cause: 127, name: "Interworking, unspecified", sip: 500, reason: "dial_failed", subReason: "interworking" },
];

const BY_CAUSE: ReadonlyMap<number, Q850Cause> = new Map(
  ROWS.map((r) => [r.cause, { ...r, specific: SPECIFIC.has(r.cause) }]),
);

/** Every row of the table, in cause order. */
export const Q850_CAUSES: readonly Q850Cause[] = [...BY_CAUSE.values()];

/** The table row of a cause, or undefined for a cause the table does not list. */
export function q850Cause(cause: number): Q850Cause | undefined {
  return BY_CAUSE.get(cause);
}

/** True when the cause is specific enough to override the SIP status code (§1.4 rule 4). */
export function isSpecificQ850(cause: number): boolean {
  return SPECIFIC.has(cause) && BY_CAUSE.has(cause);
}

/** The reason and sub-reason a cause gives before answer, or undefined to fall back to the SIP code. */
export function q850Outcome(
  cause: number,
  ringing: boolean,
): { readonly reason: DisconnectionReason; readonly subReason?: string } | undefined {
  const row = BY_CAUSE.get(cause);
  if (!row?.reason) return undefined;
  if (ringing && row.reasonAfterRinging) {
    return { reason: row.reasonAfterRinging, ...(row.subReasonAfterRinging ? { subReason: row.subReasonAfterRinging } : {}) };
  }
  return { reason: row.reason, ...(row.subReason ? { subReason: row.subReason } : {}) };
}
