import { callEnd, newCallId, type CallEnd } from "../core/index.js";
import type { CallService } from "../calls/call-service.js";
import type { CallSession } from "../calls/call-session.js";
import { pickWeighted, pinnedVersion } from "../calls/agent-choice.js";
import type { PortLease } from "../media/index.js";
import { negotiate, serializeSdp, type NegotiatedAudio } from "../sip/sdp.js";
import type { CallEvidence } from "../recording/call-evidence.js";
import { SipLeg } from "./sip-leg.js";
import { endOnRemoteBye, openEvidence, TransferSlot } from "./dialog-behaviour.js";
import { targetDialer } from "./transfer-target.js";
import type { TransferResult } from "../core/index.js";
import type { ServerTransaction } from "../sip/stack.js";
import type { Dialog } from "../sip/dialog.js";
import type { PhoneNumber, Store } from "../store/types.js";
import { askInboundWebhook } from "./inbound-webhook.js";
import { within, type LiveSipCall } from "./live-sip-call.js";
import type { SipHub } from "./sip-hub.js";
import { ipAllowed } from "./ip-allow.js";

export interface InboundRouterDeps {
  readonly hub: SipHub;
  readonly store: Store;
  readonly calls: CallService;
  readonly log: { warn(obj: object, msg: string): void };
  /** Timeout and retries of the number's inbound webhook (Retell: 10 s, 3). */
  readonly webhookTimeoutMs?: number;
  readonly webhookRetries?: number;
}

/** The dialed number from the Request-URI (or To) user part, as stored: E.164 with "+". */
function dialedNumber(uri: string): string | undefined {
  const m = /^sips?:([^@;]+)@/i.exec(uri.replace(/^<|>$/g, ""));
  if (!m) return undefined;
  const user = decodeURIComponent(m[1]!).replace(/[\s\-().]/g, "");
  if (/^\+\d{2,15}$/.test(user)) return user;
  if (/^\d{2,15}$/.test(user)) return `+${user}`;
  return user;
}

function callerNumber(tx: ServerTransaction): string {
  const pai = tx.request.headers.get("p-asserted-identity");
  const from = tx.request.headers.from()?.uri ?? "";
  return dialedNumber(pai?.match(/<([^>]+)>/)?.[1] ?? from) ?? "anonymous";
}

/** X- headers (and the identity headers Retell forwards) become the call's custom SIP headers. */
function forwardedHeaders(tx: ServerTransaction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of tx.request.headers.entries()) {
    if (/^x-/i.test(name) || /^(diversion|history-info|user-to-user)$/i.test(name)) out[name] = value;
  }
  return out;
}

/**
 * Answers new INVITEs to imported numbers: trunk allow-list, the inbound webhook (with the
 * number's fallback agent), admission, then 200 OK with an SDP answer.
 */
export class InboundRouter {
  constructor(private readonly d: InboundRouterDeps) {}

  /** Handles one new INVITE server transaction. */
  handle(tx: ServerTransaction): void {
    this.#handle(tx).catch((err: unknown) => {
      this.d.log.warn({ err: String(err) }, "inbound INVITE failed");
      if (tx.pending) tx.respond(500, "Server Internal Error");
    });
  }

  async #handle(tx: ServerTransaction): Promise<void> {
    const { store, calls, hub } = this.d;
    const to = dialedNumber(tx.request.uri) ?? dialedNumber(tx.request.headers.to()?.uri ?? "");
    const number = to ? await store.phoneNumbers.findByNumber(to) : undefined;
    if (!number || number.kind !== "imported") {
      tx.respond(404, "Not Found");
      return;
    }
    if (number.allowedInboundIps && number.allowedInboundIps.length > 0 && !ipAllowed(tx.source.address, number.allowedInboundIps)) {
      tx.respond(403, "Forbidden");
      return;
    }
    const ws = await store.workspaces.get(number.workspaceId);
    if (!ws) {
      tx.respond(404, "Not Found");
      return;
    }
    const from = callerNumber(tx);
    const headers = forwardedHeaders(tx);
    // Ringing only when the answer waits on the inbound webhook: otherwise the 200 follows within
    // milliseconds (or the transaction's own 100 Trying covers a slow moment), and a 180 would be
    // one more message to build, send and log per call.
    let ringingAt: number | undefined;
    if (number.inboundWebhookUrl) {
      tx.respond(180, "Ringing");
      ringingAt = Date.now();
    }
    const pick = await this.#pickAgent(number, from, to!, headers);
    if (pick.kind === "failed") {
      await calls.recordFailedInbound(ws, { fromNumber: from, toNumber: to!, end: pick.end });
      if (tx.pending) tx.respond(503, "Service Unavailable", { headers: [["Reason", `Q.850;cause=41;text="inbound webhook failed"`]] });
      return;
    }
    if (pick.kind === "none") {
      tx.respond(603, "Decline");
      return;
    }
    if (tx.cancelled || !tx.pending) return;
    // Signalling-only nodes (PARLEY_MEDIA=off) answer with the discard port and bind nothing.
    const ports = hub.mediaEnabled ? await hub.ports.allocate() : undefined;
    if (ports && !ports.ok) {
      tx.respond(503, "Service Unavailable", { headers: [["Retry-After", "5"], ["Warning", `399 parley "${ports.error.message}"`]] });
      return;
    }
    const lease = ports?.lease;
    const answer = negotiate(tx.request.body, { address: hub.publicHost, port: lease?.rtpPort ?? 9 });
    if (!answer.ok) {
      lease?.release();
      tx.respond(488, "Not Acceptable Here", { headers: [["Warning", `304 parley "${answer.message}"`]] });
      return;
    }
    const created = await calls.createInboundCall(ws, {
      agentId: pick.agentId,
      ...(pick.agentVersion !== undefined ? { agentVersion: pick.agentVersion } : {}),
      fromNumber: from,
      toNumber: to!,
      customSipHeaders: headers,
      ...(pick.dynamicVariables ? { dynamicVariables: pick.dynamicVariables } : {}),
      ...(pick.metadata !== undefined ? { metadata: pick.metadata } : {}),
      ...(pick.agentOverride ? { agentOverride: pick.agentOverride } : {}),
    });
    if (!created.session) {
      lease?.release();
      const busy = created.refused?.reason === "concurrency_limit_reached";
      if (tx.pending) tx.respond(busy ? 486 : 503, busy ? "Busy Here" : "Service Unavailable", { headers: [["Warning", `399 parley "${created.refused?.message ?? "refused"}"`]] });
      return;
    }
    const evidence = await openEvidence(hub.dataDir, created.session, hub.mediaEnabled);
    const call = new InboundCall(hub, created.session, tx, lease, serializeSdp(answer.answer), answer.audio, evidence, number);
    await call.answer(ringingAt);
  }

  async #pickAgent(
    number: PhoneNumber,
    from: string,
    to: string,
    headers: Record<string, string>,
  ): Promise<
    | { kind: "agent"; agentId: string; agentVersion?: number | string; dynamicVariables?: Record<string, string>; metadata?: unknown; agentOverride?: { agent?: Record<string, unknown> } }
    | { kind: "none" }
    | { kind: "failed"; end: CallEnd }
  > {
    const choice = pickWeighted(number.inboundAgents ?? []);
    if (!number.inboundWebhookUrl) return choice ? { kind: "agent", agentId: choice.agentId, ...(choice.agentVersion !== undefined ? { agentVersion: choice.agentVersion } : {}) } : { kind: "none" };
    const version = pinnedVersion(choice?.agentVersion);
    const res = await askInboundWebhook({
      url: number.inboundWebhookUrl,
      signingKey: await this.d.store.apiKeys.webhookSigningKey(number.workspaceId),
      callId: newCallId(),
      fromNumber: from,
      toNumber: to,
      ...(choice ? { agentId: choice.agentId } : {}),
      ...(version !== undefined ? { agentVersion: version } : {}),
      customSipHeaders: headers,
      ...(this.d.webhookTimeoutMs !== undefined ? { timeoutMs: this.d.webhookTimeoutMs } : {}),
      ...(this.d.webhookRetries !== undefined ? { retries: this.d.webhookRetries } : {}),
    });
    if (res.ok) {
      const d = res.decision;
      const agentId = d.overrideAgentId ?? choice?.agentId;
      if (!agentId) return { kind: "none" };
      const agentVersion = d.overrideAgentId ? d.overrideAgentVersion : (d.overrideAgentVersion ?? choice?.agentVersion);
      return {
        kind: "agent",
        agentId,
        ...(agentVersion !== undefined ? { agentVersion } : {}),
        ...(d.dynamicVariables ? { dynamicVariables: d.dynamicVariables } : {}),
        ...(d.metadata !== undefined ? { metadata: d.metadata } : {}),
        ...(d.agentOverride ? { agentOverride: d.agentOverride } : {}),
      };
    }
    const fallback = number.fallbackAgentId ?? choice?.agentId;
    if (fallback) return { kind: "agent", agentId: fallback };
    return {
      kind: "failed",
      end: callEnd("error_inbound_webhook", {
        phase: "inbound_setup",
        message: `the inbound webhook ${number.inboundWebhookUrl} failed after ${res.attempts} attempts (${res.error}) and the number has no fallback agent`,
      }),
    };
  }
}

/** An answered inbound call: 200 OK with SDP, connected on ACK, BYE either way. */
class InboundCall implements LiveSipCall {
  #remoteHungUp = false;
  #dialog: Dialog | undefined;
  #leg: SipLeg | undefined;
  #lease: PortLease | undefined;
  readonly #transfers = new TransferSlot();

  constructor(
    private readonly hub: SipHub,
    private readonly session: CallSession,
    private readonly tx: ServerTransaction,
    lease: PortLease | undefined,
    readonly localSdp: string,
    private readonly audio: NegotiatedAudio,
    private readonly evidence: CallEvidence,
    /** The number called: a warm transfer's target is dialled from it, over its trunk. */
    private readonly number: PhoneNumber,
  ) {
    this.#lease = lease;
  }

  get dialog(): Dialog {
    if (!this.#dialog) throw new Error("no dialog yet");
    return this.#dialog;
  }

  /** Sends the 200 OK; `ringingAt` is when a 180 went out, if one did. */
  async answer(ringingAt?: number): Promise<void> {
    const { session, tx, hub } = this;
    hub.track(tx.request.headers.callId() ?? "", session, this.evidence);
    session.stamp({ invite: Date.now(), ...(ringingAt !== undefined ? { firstProvisional: ringingAt, ringing: ringingAt } : {}) });
    session.onHangup((end) => this.#hangup(end));
    const off = tx.on((e) => {
      if (e.type === "cancel") {
        void session.end(callEnd("user_hangup", { phase: "inbound_setup", message: "the caller cancelled before the call was answered", sip: { method: "CANCEL" } }));
      } else if (e.type === "ack") {
        session.stamp({ ack: Date.now() });
        void session.connected().then(() => {
          if (this.#leg && !session.ending) session.attachLeg(this.#leg);
        });
      } else if (e.type === "outcome" && e.outcome.kind === "no_ack") {
        void session.end(callEnd("error_unknown", { phase: "inbound_setup", fault: "provider", message: "the caller never acknowledged our 200 OK (no ACK before Timer L)" }));
      }
    });
    // The transaction lingers 32 s after the call (Timer L); it must not keep the ended call alive.
    session.once("ended", off);
    // RTP may follow our 200 at once: the media session is open before it goes out.
    const lease = this.#lease;
    this.#lease = undefined;
    this.#leg = lease && await SipLeg.open({
      lease,
      remote: { address: this.audio.remoteAddress, port: this.audio.remotePort },
      codec: this.audio.codec.name.toUpperCase() === "PCMA" ? "PCMA" : "PCMU",
      telephoneEventPt: this.audio.telephoneEventPt ?? null,
      evidence: this.evidence,
      timeouts: hub.mediaTimeouts,
      transfer: (d) => this.#transfer(d),
      dialTransferTarget: targetDialer(hub, session, { trunk: this.number, from: this.number.phoneNumber }),
    });
    if (!tx.pending || session.ending) {
      await this.#leg?.close();
      this.#leg = undefined;
      return;
    }
    tx.respond(200, "OK", { headers: [["Contact", hub.stack.contact(tx.source.transport)]], contentType: "application/sdp", body: this.localSdp });
    session.stamp({ answered: Date.now() });
    this.#dialog = tx.dialog;
    if (this.#dialog) hub.attach(this);
  }

  /** REFER progress from the far end. */
  notify(tx: ServerTransaction): void {
    this.#transfers.notify(tx);
  }

  /** Cold transfer: the caller's side is asked (REFER) to connect to `destination`. */
  #transfer(destination: string): Promise<TransferResult> {
    const source = this.tx.source;
    const target = /^sips?:/.test(destination) ? destination : `sip:${destination}@${source.address}:${source.port}`;
    return this.#transfers.start(this.hub.stack, this.#dialog, `<sip:${this.session.record.toNumber ?? "parley"}@${this.hub.publicHost}>`, target);
  }

  remoteBye(tx: ServerTransaction): void {
    this.#remoteHungUp = true;
    endOnRemoteBye(tx, this.session, "the caller");
  }

  async #hangup(end: CallEnd): Promise<void> {
    try {
      if (this.tx.pending) this.tx.respond(480, "Temporarily Unavailable", { headers: [["Reason", `Q.850;cause=16;text="${end.reason}"`]] });
      else if (this.#dialog && !this.#remoteHungUp && this.#dialog.state !== "terminated") {
        this.session.stamp({ bye: Date.now() });
        await within(this.hub.stack.requestInDialog(this.#dialog, "BYE", { headers: [["Reason", `Q.850;cause=16;text="${end.reason}"`]] }).outcome, 4000);
      }
    } finally {
      if (this.#dialog) this.hub.detach(this);
      this.#lease?.release();
      await this.#leg?.close();
      await this.evidence.close();
    }
  }
}
