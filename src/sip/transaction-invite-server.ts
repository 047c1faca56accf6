// INVITE server transaction (RFC 3261 §17.2.1 with RFC 6026's Accepted state).
import type { SipRequest, SipResponse } from "./message.js";
import { buildResponse } from "./serialize.js";
import { nextInterval, timeoutMs } from "./timers.js";
import { TransactionMachine, type MachineFailure } from "./transaction-machine.js";
import { TransactionStateError, type ServerOutcome, type ServerTxEvent, type TransactionDeps } from "./transaction.js";

export type InviteServerState = "proceeding" | "accepted" | "completed" | "confirmed";

/**
 * One incoming INVITE. Sends 100 Trying when the TU is slow, retransmits a non-2xx final (Timer G)
 * until the ACK or Timer H, and — for the TU, as RFC 3261 §13.3.1.4 asks of the UAS core —
 * retransmits a 2xx until its ACK arrives or Timer L runs out.
 */
export class InviteServerTransaction extends TransactionMachine<InviteServerState, ServerOutcome> {
  readonly kind = "invite-server" as const;
  #lastProvisional: SipResponse | undefined;
  #final: SipResponse | undefined;
  #interval: number;
  #acked = false;

  constructor(
    readonly request: SipRequest,
    deps: TransactionDeps,
    private readonly emit: (e: ServerTxEvent) => void,
  ) {
    super("proceeding", deps, emit);
    this.#interval = deps.timers.t1Ms;
  }

  /** The final response sent, once there is one. */
  get finalResponse(): SipResponse | undefined {
    return this.#final;
  }

  /** Arms the automatic 100 Trying (or sends it at once when the delay is 0). */
  start(): void {
    const delay = this.deps.timers.tryingDelayMs;
    if (delay === 0) this.onTimerTrying();
    else this.timers.set("Trying", delay, () => this.onTimerTrying());
  }

  /** Timer "Trying": the TU has not answered yet, so tell the peer to stop retransmitting. */
  onTimerTrying(): void {
    if (this.state !== "proceeding" || this.#lastProvisional !== undefined) return;
    this.respond(buildResponse(this.request, 100, "Trying"));
  }

  /** The TU's response: 1xx keeps proceeding, 2xx goes to Accepted, 300-699 to Completed. */
  respond(res: SipResponse): void {
    if (this.state !== "proceeding") throw new TransactionStateError(this.state, `send ${res.status}`);
    const s = res.status;
    if (s < 200) {
      this.timers.clear("Trying");
      this.#lastProvisional = res;
      this.transmit(res, false);
      return;
    }
    this.timers.clear("Trying");
    this.#final = res;
    if (s < 300) {
      this.to("accepted");
      this.transmit(res, false);
      if (!this.deps.reliable) this.timers.set("2xx", this.#interval, () => this.onTimer2xx());
      this.timers.set("L", timeoutMs(this.deps.timers), () => this.onTimerL());
    } else {
      this.to("completed");
      this.transmit(res, false);
      if (!this.deps.reliable) this.timers.set("G", this.#interval, () => this.onTimerG());
      this.timers.set("H", timeoutMs(this.deps.timers), () => this.onTimerH());
    }
  }

  /** The INVITE arrived again (matched by branch). */
  onRequestRetransmission(): void {
    this.emit({ type: "request_retransmission" });
    if (this.state === "proceeding" && this.#lastProvisional !== undefined) this.transmit(this.#lastProvisional, true);
    else if (this.state === "completed" && this.#final !== undefined) this.transmit(this.#final, true);
    // accepted (RFC 6026 §8.7) and confirmed: absorbed
  }

  /** An ACK matched to this transaction: by branch for a non-2xx, by dialog/CSeq for a 2xx. */
  onAck(ack: SipRequest): void {
    if (this.state === "completed") {
      this.#acked = true;
      this.timers.clear("G");
      this.timers.clear("H");
      this.to("confirmed");
      this.timers.set("I", this.deps.reliable ? 0 : this.deps.timers.t4Ms, () => this.onTimerI());
    } else if (this.state === "accepted") {
      const first = !this.#acked;
      this.#acked = true;
      this.timers.clear("2xx");
      if (first) this.emit({ type: "ack", request: ack });
    }
  }

  /**
   * Ends an answered and acknowledged transaction now as Timer L (2xx) or Timer I (non-2xx) would;
   * the layer absorbs retransmissions in its place. Does nothing before the ACK.
   */
  settle(): void {
    if (this.state === "accepted" && this.#acked) this.onTimerL();
    else if (this.state === "confirmed") this.onTimerI();
  }

  /** Timer G: retransmit the non-2xx final, interval doubling up to T2. */
  onTimerG(): void {
    if (this.state !== "completed" || this.#final === undefined) return;
    this.transmit(this.#final, true);
    this.#interval = nextInterval(this.deps.timers, this.#interval, true);
    this.timers.set("G", this.#interval, () => this.onTimerG());
  }

  /** 2xx retransmission timer: same schedule as G (§13.3.1.4). */
  onTimer2xx(): void {
    if (this.state !== "accepted" || this.#final === undefined || this.#acked) return;
    this.transmit(this.#final, true);
    this.#interval = nextInterval(this.deps.timers, this.#interval, true);
    this.timers.set("2xx", this.#interval, () => this.onTimer2xx());
  }

  /** Timer H: the non-2xx final was never ACKed. */
  onTimerH(): void {
    if (this.state !== "completed") return;
    this.finish({ kind: "timeout", timer: "H", status: this.#final?.status ?? 0 });
    this.terminate();
  }

  /** Timer I: stop absorbing ACK retransmissions. */
  onTimerI(): void {
    if (this.state !== "confirmed") return;
    this.finish({ kind: "completed", status: this.#final?.status ?? 0, acked: true });
    this.terminate();
  }

  /** Timer L: the Accepted state ends; without an ACK by now, the 2xx was lost or ignored. */
  onTimerL(): void {
    if (this.state !== "accepted") return;
    const status = this.#final?.status ?? 200;
    this.finish(this.#acked ? { kind: "completed", status, acked: true } : { kind: "no_ack", timer: "L", status });
    this.terminate();
  }

  protected override failureOutcome(f: MachineFailure): ServerOutcome {
    return f;
  }
}
