// Non-INVITE client transaction (RFC 3261 §17.1.2): BYE, CANCEL, OPTIONS, INFO, REFER, REGISTER…
import type { SipRequest, SipResponse } from "./message.js";
import { nextInterval, timeoutMs } from "./timers.js";
import { ClientTransactionMachine } from "./transaction-machine.js";
import type { ClientTxEvent, TransactionDeps } from "./transaction.js";

export type NonInviteClientState = "trying" | "proceeding" | "completed";

/** One outgoing non-INVITE request: Timer E retransmits (capped at T2), Timer F gives up, Timer K lingers. */
export class NonInviteClientTransaction extends ClientTransactionMachine<NonInviteClientState> {
  readonly kind = "non-invite-client" as const;
  #intervalE: number;

  constructor(
    readonly request: SipRequest,
    deps: TransactionDeps,
    private readonly emit: (e: ClientTxEvent) => void,
  ) {
    super("trying", deps, emit);
    this.#intervalE = deps.timers.t1Ms;
  }

  /** Sends the request and arms Timers E and F. */
  start(): void {
    this.transmit(this.request, false);
    if (!this.deps.reliable) this.timers.set("E", this.#intervalE, () => this.onTimerE());
    this.timers.set("F", timeoutMs(this.deps.timers), () => this.onTimerF());
  }

  /** A response matched to this transaction. */
  onResponse(res: SipResponse): void {
    if (this.state !== "trying" && this.state !== "proceeding") return; // completed: retransmitted finals are absorbed
    if (res.status < 200) {
      this.tally.add(res.status, this.deps.clock.now());
      this.to("proceeding");
      this.emit({ type: "provisional", response: res });
      return;
    }
    this.timers.clear("E");
    this.timers.clear("F");
    this.to("completed");
    this.emit({ type: "final", response: res });
    this.finish({ kind: "final", response: res, provisionals: this.tally.snapshot() });
    this.timers.set("K", this.deps.reliable ? 0 : this.deps.timers.t4Ms, () => this.onTimerK());
  }

  /** Timer E: retransmit; the interval doubles up to T2 while trying, and is T2 once proceeding. */
  onTimerE(): void {
    if (this.state !== "trying" && this.state !== "proceeding") return;
    this.transmit(this.request, true);
    this.#intervalE = this.state === "trying" ? nextInterval(this.deps.timers, this.#intervalE, true) : this.deps.timers.t2Ms;
    this.timers.set("E", this.#intervalE, () => this.onTimerE());
  }

  /** Timer F: no final response within 64·T1. */
  onTimerF(): void {
    if (this.state !== "trying" && this.state !== "proceeding") return;
    this.timeOut("F");
  }

  /** Timer K: stop absorbing final-response retransmissions. */
  onTimerK(): void {
    if (this.state === "completed") this.terminate();
  }






}
