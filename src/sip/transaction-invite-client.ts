// INVITE client transaction (RFC 3261 §17.1.1, with RFC 6026's Accepted state).
import { Headers } from "./headers.js";
import { createRequest, type SipRequest, type SipResponse } from "./message.js";
import { nextInterval, timeoutMs, timerDMs } from "./timers.js";
import { ClientTransactionMachine } from "./transaction-machine.js";
import type { ClientTxEvent, TransactionDeps } from "./transaction.js";

export type InviteClientState = "calling" | "proceeding" | "accepted" | "completed";

/**
 * One outgoing INVITE. Retransmits on unreliable transports (Timer A), gives up after Timer B,
 * ACKs non-2xx finals itself with the INVITE's branch, and passes every 2xx up for the TU to ACK.
 */
export class InviteClientTransaction extends ClientTransactionMachine<InviteClientState> {
  readonly kind = "invite-client" as const;
  #intervalA: number;
  #ack: SipRequest | undefined;

  constructor(
    readonly request: SipRequest,
    deps: TransactionDeps,
    private readonly emit: (e: ClientTxEvent) => void,
  ) {
    super("calling", deps, emit);
    this.#intervalA = deps.timers.t1Ms;
  }

  /** True once any provisional response arrived (the CANCEL rule of §9.1 depends on it). */
  get provisionalReceived(): boolean {
    return this.tally.count > 0;
  }

  /** Sends the INVITE and arms Timers A and B. */
  start(): void {
    this.transmit(this.request, false);
    if (!this.deps.reliable) this.timers.set("A", this.#intervalA, () => this.onTimerA());
    this.timers.set("B", timeoutMs(this.deps.timers), () => this.onTimerB());
  }

  /** A response matched to this transaction. */
  onResponse(res: SipResponse): void {
    const s = res.status;
    switch (this.state) {
      case "calling":
      case "proceeding":
        if (s < 200) {
          this.tally.add(s, this.deps.clock.now());
          this.timers.clear("A");
          // Timer B only guards the Calling state (§17.1.1.2); once the far end is alive the TU's ring timer rules.
          this.timers.clear("B");
          this.to("proceeding");
          this.emit({ type: "provisional", response: res });
        } else if (s < 300) {
          this.timers.clear("A");
          this.timers.clear("B");
          this.timers.clear("cancel_guard");
          this.to("accepted");
          this.timers.set("M", timeoutMs(this.deps.timers), () => this.onTimerM());
          this.emit({ type: "final", response: res });
          this.finish({ kind: "final", response: res, provisionals: this.tally.snapshot() });
        } else {
          this.timers.clear("A");
          this.timers.clear("B");
          this.timers.clear("cancel_guard");
          this.to("completed");
          this.#ack = buildNon2xxAck(this.request, res);
          this.#sendAck();
          this.timers.set("D", timerDMs(this.deps.timers, this.deps.reliable), () => this.onTimerD());
          this.emit({ type: "final", response: res });
          this.finish({ kind: "final", response: res, provisionals: this.tally.snapshot() });
        }
        return;
      case "accepted":
        // RFC 6026 §8.4: every further 2xx goes up so the TU can ACK it (retransmission or another fork).
        if (s >= 200 && s < 300) this.emit({ type: "extra_2xx", response: res });
        return;
      case "completed":
        if (s >= 300) this.#sendAck();
        return;
      case "terminated":
        return;
    }
  }

  /**
   * The TU sent (or wants to send) a CANCEL: from now on the transaction waits at most 64·T1 for
   * the final response, then ends with `{kind: "timeout", timer: "cancel_guard"}`.
   */
  onCancelSent(): void {
    if (this.state !== "calling" && this.state !== "proceeding") return;
    this.timers.set("cancel_guard", timeoutMs(this.deps.timers), () => this.onCancelGuard());
  }

  /** Timer A: retransmit the INVITE and double the interval. */
  onTimerA(): void {
    if (this.state !== "calling") return;
    this.transmit(this.request, true);
    this.#intervalA = nextInterval(this.deps.timers, this.#intervalA, false);
    this.timers.set("A", this.#intervalA, () => this.onTimerA());
  }

  /** Timer B: no response at all within 64·T1. */
  onTimerB(): void {
    if (this.state !== "calling" && this.state !== "proceeding") return;
    this.timeOut("B");
  }

  /** The §9.1 guard: our CANCEL produced no final response in time. */
  onCancelGuard(): void {
    if (this.state !== "calling" && this.state !== "proceeding") return;
    this.timeOut("cancel_guard");
  }

  /** Timer D: stop absorbing final-response retransmissions. */
  onTimerD(): void {
    if (this.state === "completed") this.terminate();
  }

  /** Timer M (RFC 6026): stop accepting further 2xx responses. */
  onTimerM(): void {
    if (this.state === "accepted") this.terminate();
  }




  #sendAck(): void {
    if (this.#ack !== undefined) this.transmit(this.#ack, false);
  }



}

/**
 * The ACK for a non-2xx final (§17.1.1.3): the INVITE's Request-URI, Call-ID, From, CSeq number,
 * top Via (same branch) and Route set, with the response's To (its tag included).
 */
export function buildNon2xxAck(invite: SipRequest, res: SipResponse): SipRequest {
  const h = new Headers();
  const topVia = invite.headers.get("via");
  if (topVia !== undefined) h.append("Via", topVia);
  const from = invite.headers.get("from");
  if (from !== undefined) h.append("From", from);
  const to = res.headers.get("to") ?? invite.headers.get("to");
  if (to !== undefined) h.append("To", to);
  const callId = invite.headers.callId();
  if (callId !== undefined) h.append("Call-ID", callId);
  h.append("CSeq", `${invite.headers.cseq()?.seq ?? 1} ACK`);
  for (const r of invite.headers.getLines("route")) h.append("Route", r);
  h.append("Max-Forwards", "70");
  h.append("Content-Length", "0");
  return createRequest("ACK", invite.uri, h);
}
