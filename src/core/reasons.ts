/**
 * The disconnection-reason catalogue (spec/disconnection-reasons.md) as data.
 * Wire names are Retell's; rows marked legacy were dropped from Retell's current SDK but Parley
 * still produces them through the mechanism named.
 */

/** Where in a call's life a reason arises. */
export type Phase = "admission" | "inbound_setup" | "setup" | "dialing" | "in_call";

/** Whose side caused the ending; drives `explain` and the dashboard. */
export type Fault =
  | "callee" // the person or machine at the other end
  | "agent" // the AI agent's own behaviour (its LLM asked to end or transfer)
  | "operator" // a human acting through the API or dashboard
  | "platform" // Parley itself
  | "provider" // the telephony provider / SIP trunk / carrier
  | "customer" // the Parley user's own configuration or servers (LLM server, webhook, client app, billing)
  | "network"; // the media path between the parties

export type CallStatus = "registered" | "ongoing" | "ended" | "not_connected" | "error";
export type TerminalCallStatus = Extract<CallStatus, "ended" | "not_connected" | "error">;

export const DISCONNECTION_REASONS = [
  "user_hangup",
  "agent_hangup",
  "call_transfer",
  "transfer_bridged",
  "transfer_cancelled",
  "voicemail_reached",
  "ivr_reached",
  "machine_detected",
  "inactivity",
  "max_duration_reached",
  "manual_stopped",
  "call_take_over",
  "invalid_destination",
  "telephony_provider_permission_denied",
  "telephony_provider_unavailable",
  "sip_routing_error",
  "marked_as_spam",
  "user_declined",
  "dial_busy",
  "dial_no_answer",
  "dial_failed",
  "concurrency_limit_reached",
  "no_concurrency_fallback",
  "no_valid_payment",
  "scam_detected",
  "error_inbound_webhook",
  "registered_call_timeout",
  "error_user_not_joined",
  "error_llm_websocket_open",
  "error_llm_websocket_lost_connection",
  "error_llm_websocket_runtime",
  "error_llm_websocket_corrupt_payload",
  "error_frontend_corrupted_payload",
  "error_twilio",
  "error_no_audio_received",
  "error_asr",
  "error_retell",
  "error_unknown",
] as const;

export type DisconnectionReason = (typeof DISCONNECTION_REASONS)[number];

export interface ReasonInfo {
  readonly reason: DisconnectionReason;
  readonly callStatus: TerminalCallStatus;
  /** Phases this reason may arise in. */
  readonly phases: readonly Phase[];
  /** Default fault side; a CallEnd may name a more specific one. */
  readonly fault: Fault;
  readonly meaning: string;
  readonly mechanism: string;
  /** What the user should do; "none" for expected endings. */
  readonly remedy: string;
  /** Dropped from Retell's current SDK but still produced by Parley. */
  readonly legacy: boolean;
}

const ANY: readonly Phase[] = ["admission", "inbound_setup", "setup", "dialing", "in_call"];

function row(
  reason: DisconnectionReason,
  callStatus: TerminalCallStatus,
  phases: readonly Phase[],
  fault: Fault,
  meaning: string,
  mechanism: string,
  remedy: string,
  legacy = false,
): ReasonInfo {
  return { reason, callStatus, phases, fault, meaning, mechanism, remedy, legacy };
}

const ROWS: readonly ReasonInfo[] = [
  // Expected endings
  row("user_hangup", "ended", ["in_call"], "callee", "The caller or callee hung up.",
    "BYE from the remote party; the web client hung up; Twilio `stop` after connect.", "none"),
  row("agent_hangup", "ended", ["in_call"], "agent", "The agent ended the call.",
    "The custom LLM sent `end_call: true` (after its response was spoken), or an end-call tool ran.", "none"),
  row("call_transfer", "ended", ["in_call"], "agent", "The call was transferred (cold transfer).",
    "SIP REFER accepted and NOTIFY 2xx, or re-INVITE/bridge to `transfer_number`.", "none"),
  row("transfer_bridged", "ended", ["in_call"], "agent", "A warm transfer reached its target and was bridged.",
    "The transfer target answered and was bridged; the agent leg left.", "none"),
  row("transfer_cancelled", "ended", ["in_call"], "agent", "A warm transfer was abandoned and the call then ended.",
    "The transfer target was busy, did not answer or declined, or the transfer was cancelled by API.",
    "Check the transfer target: is it reachable and answering?"),
  row("voicemail_reached", "ended", ["in_call"], "callee", "The call reached voicemail.",
    "Voicemail was detected and the agent's voicemail action (hang up, or leave a message after the beep) completed.",
    "none; tune the agent's voicemail settings"),
  row("ivr_reached", "ended", ["in_call"], "callee", "The call reached an IVR menu.",
    "An IVR menu was detected and the agent's IVR action was to hang up.", "none"),
  row("machine_detected", "ended", ["in_call"], "callee", "An answering machine was detected.",
    "Answering machine detected while `drop_call_if_machine_detected` is on.", "none", true),
  row("inactivity", "ended", ["in_call"], "callee", "The user stayed silent too long.",
    "No user speech for `end_call_after_silence_ms` (after the reminder turns).",
    "Raise `end_call_after_silence_ms` if your users need longer to answer."),
  row("max_duration_reached", "ended", ["in_call"], "platform", "The call hit its maximum duration.",
    "`max_call_duration_ms` was reached and Parley sent BYE.",
    "Raise the agent's `max_call_duration_ms` if calls legitimately run long."),
  row("manual_stopped", "ended", ANY, "operator", "The call was stopped through the API.",
    "The stop-call API was called.", "none"),
  row("call_take_over", "ended", ["in_call"], "operator", "A human operator took the call over from the agent.",
    "A human operator took over the call.", "none"),

  // Not connected: outbound dialing outcomes
  row("invalid_destination", "not_connected", ["admission", "dialing"], "customer",
    "The destination number is not valid or not reachable as dialed.",
    "Not a valid E.164 number (decided locally, no INVITE sent); or 404/410/484/485/604 from the trunk; or a purchased number calling outside the US.",
    "Fix the number: E.164 is `+`, the country code, then digits only. If the trunk answered 404/484, check the number with your provider."),
  row("telephony_provider_permission_denied", "not_connected", ["dialing"], "provider",
    "The SIP trunk refused the call: authentication or permission failed.",
    "401/407 still failing after the credentialed retry; 403; 402.",
    "Check the trunk's auth username and password and the provider's IP allow-list and caller-ID permissions; if the number's configuration is wrong, delete and re-import the number."),
  row("telephony_provider_unavailable", "not_connected", ["dialing"], "provider",
    "The telephony provider is down or erroring.",
    "Any 5xx; no response at all to the INVITE (Timer B); DNS/TCP/TLS connect failure.",
    "The provider side is down or erroring: retry later, and ask the provider if it persists. Check the termination URI and transport."),
  row("sip_routing_error", "not_connected", ["dialing"], "provider", "The trunk could not route the call.",
    "482 loop detected; 483 too many hops; a 3xx Parley does not follow; 416.",
    "The trunk's routing is misconfigured: check the termination URI and the provider's routing."),
  row("marked_as_spam", "not_connected", ["dialing"], "provider", "The carrier blocked the call as spam.",
    "607 Unwanted; 608 Rejected; 603 \"Network Blocked\" with a `v=analytics1;` Reason (603+); carrier-blocked codes.",
    "The caller number is flagged: warm up a new number, raise its pickup rate, and register it as a verified number (STIR/SHAKEN, carrier registries)."),
  row("user_declined", "not_connected", ["dialing"], "callee", "The callee declined the call.",
    "Plain 603 Decline.", "none"),
  row("dial_busy", "not_connected", ["dialing"], "callee", "The line was busy.", "486 Busy Here; 600 Busy Everywhere.",
    "Retry later."),
  row("dial_no_answer", "not_connected", ["dialing"], "callee", "Nobody answered.",
    "480; 408 after a provisional response; the ring timer fired and Parley sent CANCEL (487).",
    "Retry later, or raise the agent's `ring_duration_ms`."),
  row("dial_failed", "not_connected", ["dialing"], "provider", "The call failed for a reason no more specific rule covers.",
    "Any other SIP failure, or no SIP code available (the raw code and phrase are kept).",
    "Inspect the SIP code, Reason header and PCAP; ask the provider about that code."),

  // Errors
  row("concurrency_limit_reached", "error", ["admission", "inbound_setup"], "customer",
    "The workspace already had its maximum number of concurrent calls.",
    "The workspace already has `concurrency_limit` ongoing calls, counted across every node.",
    "Retry with exponential backoff, or raise the workspace's concurrency limit."),
  row("no_concurrency_fallback", "error", ["admission", "inbound_setup"], "customer",
    "The concurrency limit was reached and no burst capacity was available.",
    "Limit reached and burst capacity is off or also full.", "Enable burst concurrency, or retry with backoff."),
  row("no_valid_payment", "error", ["admission"], "customer", "The workspace's billing is not active.",
    "The workspace's billing status is not `active` (no payment method, or overdue).", "Fix the workspace's billing."),
  row("scam_detected", "error", ["admission", "in_call"], "agent", "The agent is flagged as a scam.",
    "The agent's prompt or metadata trips the scam rules, or an operator flagged it.",
    "Review the agent; an operator may clear the flag."),
  row("error_inbound_webhook", "error", ["inbound_setup"], "customer", "The inbound-call webhook failed.",
    "The inbound webhook (dynamic variables) timed out, answered non-2xx or bad JSON, and the number has no fallback agent.",
    "Fix the inbound webhook endpoint, or set an inbound agent on the number as a fallback.", true),
  row("registered_call_timeout", "error", ["setup"], "customer", "A registered call's audio never connected.",
    "A registered (custom telephony) call's media stream did not connect in time after registering.",
    "Connect the media stream right after registering the call."),
  row("error_user_not_joined", "error", ["setup"], "customer", "The web-call client never joined.",
    "A web call's client did not join within 30 s of create-web-call.", "Start the web call right after creating it."),
  row("error_llm_websocket_open", "error", ["setup", "in_call"], "customer", "The custom LLM websocket could not be opened.",
    "Connecting to the LLM server failed: refused, DNS, TLS, timeout, or a non-101 answer.",
    "Check the agent's `llm_websocket_url` and that the LLM server is running and reachable from Parley."),
  row("error_llm_websocket_lost_connection", "error", ["in_call"], "customer", "The custom LLM websocket dropped.",
    "The LLM socket dropped without a close frame (1006) or stopped answering pings, and reconnects failed.",
    "Check the LLM server's stability (crashes, restarts, blocked event loop)."),
  row("error_llm_websocket_runtime", "error", ["in_call"], "customer", "The LLM server closed the socket abnormally.",
    "The LLM server closed the socket with a code other than 1000.",
    "Look at the LLM server's logs for the close code and reason."),
  row("error_llm_websocket_corrupt_payload", "error", ["in_call"], "customer", "The LLM server sent an invalid message.",
    "The LLM server sent a frame that is not valid JSON or not a valid event.",
    "Fix the LLM server's messages (see the call log for the frame)."),
  row("error_frontend_corrupted_payload", "error", ["in_call"], "customer", "The web-call client sent an invalid frame.",
    "The web-call frontend audio websocket sent an invalid frame.", "Fix the web client.", true),
  row("error_twilio", "error", ["setup", "in_call"], "customer", "The Twilio media stream failed.",
    "The Twilio Media Streams websocket of a registered call errored or sent invalid messages.",
    "Check the Twilio stream setup (TwiML `<Connect><Stream>` URL).", true),
  row("error_no_audio_received", "error", ["in_call"], "network", "No audio arrived from the other side.",
    "No inbound audio (RTP, web or Twilio frames) for the media timeout after the call connected.",
    "Check NAT, firewall and the RTP path (the SDP addresses); see the PCAP."),
  row("error_asr", "error", ["in_call"], "platform", "Speech recognition failed.",
    "The speech recogniser failed and could not be recovered.", "Check the ASR provider's configuration and health."),
  row("error_retell", "error", ANY, "platform", "Parley itself failed (an internal error).",
    "An unspecified platform-side failure; the name is kept for wire compatibility.",
    "Report it with the call id; the call log holds the stack."),
  row("error_unknown", "error", ANY, "platform", "Nothing more specific is known.",
    "Nothing more specific is known about the ending.", "Inspect the call log."),
];

const BY_REASON: ReadonlyMap<DisconnectionReason, ReasonInfo> = new Map(ROWS.map((r) => [r.reason, r]));

/** Every catalogue row, in catalogue order. */
export const REASON_CATALOGUE: readonly ReasonInfo[] = ROWS;

/** The catalogue row of a reason. */
export function reasonInfo(reason: DisconnectionReason): ReasonInfo {
  const info = BY_REASON.get(reason);
  if (!info) throw new Error(`reason ${reason} missing from the catalogue`);
  return info;
}

/** True for a string that names a catalogue reason. */
export function isDisconnectionReason(value: unknown): value is DisconnectionReason {
  return typeof value === "string" && BY_REASON.has(value as DisconnectionReason);
}
