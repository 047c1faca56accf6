import { callEnd, type CallEnd } from "../core/index.js";
import type { DialRequest } from "../calls/call-service.js";
import type { PortLease } from "../media/index.js";
import { authorizeRequest } from "../sip/digest.js";
import type { SipRequest, SipResponse } from "../sip/message.js";
import { createRequest, Headers } from "../sip/message.js";
import { buildAudioOffer, serializeSdp } from "../sip/sdp.js";
import type { CallEvidence } from "../recording/call-evidence.js";
import { remoteAudio } from "./remote-audio.js";
import { SipLeg } from "./sip-leg.js";
import type { ClientTransaction, ServerTransaction } from "../sip/stack.js";
import type { Dialog } from "../sip/dialog.js";
import { classifyDialFailure, classifyInviteOutcome, finalResponseFrom, type CancelCause } from "./sip-outcome.js";
import type { SipHub } from "./sip-hub.js";
import { trunkRoute } from "./trunk-route.js";
import { within, type LiveSipCall } from "./live-sip-call.js";
import { endOnRemoteBye, openEvidence, TransferSlot } from "./dialog-behaviour.js";
import type { TransferResult } from "../core/index.js";
import type { DialHost } from "./dial-host.js";
import { targetDialer } from "./transfer-target.js";

type State = "dialing" | "connected" | "done";

/** Copies an INVITE for the credentialed retry: same Call-ID and From tag, CSeq + 1, fresh Via. */
function retryWithAuth(invite: SipRequest, header: { name: string; value: string }): SipRequest {
  const headers = new Headers();
  for (const [name, value] of invite.headers.entries()) {
    if (!/^(via|authorization|proxy-authorization)$/i.test(name)) headers.append(name, value);
  }
  const cseq = invite.headers.cseq();
  headers.set("CSeq", `${(cseq?.seq ?? 1) + 1} INVITE`);
  headers.append(header.name, header.value);
  return createRequest("INVITE", invite.uri, headers, invite.body);
}

/**
 * One outbound attempt over an imported trunk: INVITE (with one credentialed retry on 401/407),
 * a ring timer that CANCELs, ACK and connection on 2xx, and every failure classified where it
 * is seen. At the end it CANCELs or BYEs as the state requires.
 */
export class OutboundCall implements LiveSipCall {
  #state: State = "dialing";
  #tx: ClientTransaction | undefined;
  #dialog: Dialog | undefined;
  #cancel: { cause: CancelCause; at: number } | undefined;
  #remoteHungUp = false;
  #lease: PortLease | undefined;
  #leg: SipLeg | undefined;
  #evidence: CallEvidence | undefined;
  readonly #transfers = new TransferSlot();
  localSdp = "";

  constructor(
    private readonly hub: SipHub,
    private readonly session: DialHost,
    private readonly req: DialRequest,
  ) {}

  get dialog(): Dialog {
    if (!this.#dialog) throw new Error("no dialog yet");
    return this.#dialog;
  }

  /** Places the call; every way it can end goes through the session. */
  async run(): Promise<void> {
    const { session, req, hub } = this;
    session.onHangup((end) => this.#hangup(end));
    const route = trunkRoute(req.trunk, req.to);
    if (!route.ok) {
      await session.end(callEnd("dial_failed", { phase: "dialing", fault: "customer", subReason: "bad_termination_uri", message: route.message }));
      return;
    }
    const ports = await hub.ports.allocate();
    if (!ports.ok) {
      await session.end(callEnd("dial_failed", { phase: "dialing", fault: "platform", subReason: "no_rtp_port", message: ports.error.message }));
      return;
    }
    this.#lease = ports.lease;
    this.#evidence = await openEvidence(hub.dataDir, session);
    if (this.#state === "done") return this.#releaseMedia();
    this.localSdp = serializeSdp(buildAudioOffer({ address: hub.publicHost, port: ports.lease.rtpPort }));
    const fromUri = `<sip:${req.from}@${hub.publicHost}>`;
    const extra: [string, string][] = [["P-Asserted-Identity", fromUri]];
    for (const [name, value] of Object.entries(req.customSipHeaders)) extra.push([name, value]);
    let invite = hub.stack.createRequest("INVITE", route.requestUri, {
      from: fromUri,
      to: route.toUri,
      contactTransport: route.peer.transport,
      headers: extra,
      body: this.localSdp,
      contentType: "application/sdp",
    });
    hub.track(invite.headers.callId() ?? "", session, this.#evidence);
    session.stamp({ invite: Date.now() });
    session.log("sip.dial", { to: req.to, trunk: req.trunk.phoneNumber, target: `${route.peer.transport}:${route.peer.address}:${route.peer.port}` });

    let authTried = false;
    for (;;) {
      const tx = hub.stack.request(invite, route.peer);
      this.#tx = tx;
      tx.on((e) => {
        if (e.type !== "provisional") return;
        const now = Date.now();
        // The ring timer runs from the first sign of life: a trunk that never answers at all is
        // Timer B's to judge (provider unavailable), not a callee who let it ring.
        if (session.record.timestamps.firstProvisional === undefined) session.setTimer("ring", req.ringDurationMs, () => this.#cancelInvite("ring_timeout"));
        session.stamp({ firstProvisional: now });
        if (e.response.status === 180 || e.response.status === 183) session.stamp({ ringing: now });
      });
      const outcome = await tx.outcome;
      if (this.#state !== "dialing") {
        // The call already ended (stop-call, shutdown): a late 2xx still has to be ACKed and hung up.
        if (outcome.kind === "final" && outcome.response.status < 300) await this.#ackAndBye(tx);
        return;
      }
      if (outcome.kind === "final" && outcome.response.status < 300) {
        await this.#connected(tx, outcome.response);
        return;
      }
      if (outcome.kind === "final" && (outcome.response.status === 401 || outcome.response.status === 407)) {
        const creds = req.trunk.authUsername && req.trunk.authPassword ? { username: req.trunk.authUsername, password: req.trunk.authPassword } : undefined;
        const header = creds && !authTried && !this.#cancel ? authorizeRequest(invite, outcome.response, creds) : undefined;
        if (header) {
          authTried = true;
          invite = retryWithAuth(invite, header);
          session.log("sip.auth_retry", { challenge: outcome.response.status });
          continue;
        }
        this.#state = "done";
        await this.#fail(classifyInviteOutcome(outcome, { ...this.#context(), auth: creds ? "retried" : "missing" }));
        return;
      }
      // The INVITE transaction is over: nothing is left to CANCEL at the end.
      this.#state = "done";
      await this.#fail(classifyInviteOutcome(outcome, this.#context()));
      return;
    }
  }

  /** The far end sent BYE: answer it and end the call as the user's hang-up. */
  remoteBye(tx: ServerTransaction): void {
    this.#remoteHungUp = true;
    endOnRemoteBye(tx, this.session, "the far end");
  }

  /** REFER progress from the far end. */
  notify(tx: ServerTransaction): void {
    this.#transfers.notify(tx);
  }

  /** Cold transfer: the trunk is asked (REFER) to connect the caller to `destination`. */
  #transfer(destination: string): Promise<TransferResult> {
    const route = /^sips?:/.test(destination) ? undefined : trunkRoute(this.req.trunk, destination);
    const target = route === undefined ? destination : route.ok ? route.requestUri : undefined;
    const dialog = this.#state === "connected" ? this.#dialog : undefined;
    return this.#transfers.start(this.hub.stack, dialog, `<sip:${this.req.from}@${this.hub.publicHost}>`, target);
  }

  #context(): { cancel?: { cause: CancelCause; at: number }; ringTimeoutMs: number } {
    return { ...(this.#cancel ? { cancel: this.#cancel } : {}), ringTimeoutMs: this.req.ringDurationMs };
  }

  #cancelInvite(cause: CancelCause): void {
    if (this.#state !== "dialing" || !this.#tx || this.#cancel) return;
    this.#cancel = { cause, at: Date.now() };
    this.session.log("sip.cancel", { cause });
    this.hub.stack.cancel(this.#tx, cause === "ring_timeout" ? "SIP;cause=487;text=\"ring timeout\"" : undefined);
  }

  async #connected(tx: ClientTransaction, res: SipResponse): Promise<void> {
    const { session, hub } = this;
    const dialog = tx.dialog;
    if (!dialog) {
      await this.#fail(classifyDialFailure({ kind: "internal", detail: "the 2xx created no dialog (missing To tag or Contact)" }, this.#context()));
      return;
    }
    this.#dialog = dialog;
    await hub.stack.sendAck(dialog);
    const now = Date.now();
    session.stamp({ answered: now, ack: now });
    session.clearTimer("ring");
    const media = remoteAudio(res.body);
    this.#state = "connected";
    if (!media.ok) {
      await this.#fail(classifyDialFailure({ kind: "media_negotiation", detail: media.problem, response: finalResponseFrom(res, now) }, this.#context()));
      return;
    }
    hub.attach(this);
    const lease = this.#lease;
    this.#lease = undefined;
    if (!lease || !this.#evidence) return;
    this.#leg = await SipLeg.open({
      lease,
      ...media.audio,
      evidence: this.#evidence,
      timeouts: hub.mediaTimeouts,
      transfer: (d) => this.#transfer(d),
      // Warm transfer: a second call from the same number over the same trunk (or straight to a sip: URI).
      dialTransferTarget: targetDialer(hub, session, this.req),
    });
    await session.connected(now);
    session.attachLeg(this.#leg);
  }

  async #fail(end: CallEnd): Promise<void> {
    await this.session.end(end);
  }

  async #ackAndBye(tx: ClientTransaction): Promise<void> {
    if (!tx.dialog) return;
    await this.hub.stack.sendAck(tx.dialog);
    await within(this.hub.stack.requestInDialog(tx.dialog, "BYE").outcome, 2000);
  }

  async #hangup(end: CallEnd): Promise<void> {
    const was = this.#state;
    this.#state = "done";
    try {
      if (was === "dialing" && this.#tx) {
        if (!this.#cancel) {
          this.#cancel = { cause: "api_stop", at: Date.now() };
          this.session.log("sip.cancel", { cause: end.reason });
          this.hub.stack.cancel(this.#tx);
        }
        await within(this.#tx.outcome, 4000);
      } else if (was === "connected" && this.#dialog && !this.#remoteHungUp && this.#dialog.state !== "terminated") {
        this.session.stamp({ bye: Date.now() });
        const bye = this.hub.stack.requestInDialog(this.#dialog, "BYE", { headers: [["Reason", `Q.850;cause=16;text="${end.reason}"`]] });
        await within(bye.outcome, 4000);
      }
    } finally {
      this.hub.detach(this);
      await this.#releaseMedia();
    }
  }

  async #releaseMedia(): Promise<void> {
    this.#lease?.release();
    this.#lease = undefined;
    await this.#leg?.close();
    const closed = await this.#evidence?.close();
    if (closed?.pcap?.truncated) this.session.log("media.port", { pcapTruncated: true, pcapBytes: closed.pcap.bytes });
  }
}
