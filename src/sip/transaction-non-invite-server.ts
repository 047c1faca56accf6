// Non-INVITE server transaction (RFC 3261 §17.2.2).
import type { SipRequest, SipResponse } from "./message.js";
import { timeoutMs } from "./timers.js";
import { TransactionMachine, type MachineFailure } from "./transaction-machine.js";
import { TransactionStateError, type ServerOutcome, type ServerTxEvent, type TransactionDeps } from "./transaction.js";

export type NonInviteServerState = "trying" | "proceeding" | "completed";

/** One incoming non-INVITE request: answers retransmissions with the last response, lingers for Timer J. */
export class NonInviteServerTransaction extends TransactionMachine<NonInviteServerState, ServerOutcome> {
  readonly kind = "non-invite-server" as const;
  #last: SipResponse | undefined;

  constructor(
    readonly request: SipRequest,
    deps: TransactionDeps,
    private readonly emit: (e: ServerTxEvent) => void,
  ) {
    super("trying", deps, emit);
  }

  /** The final response sent, once there is one. */
  get finalResponse(): SipResponse | undefined {
    return this.state === "completed" || this.state === "terminated" ? this.#last : undefined;
  }

  /** Nothing to arm: a non-INVITE server waits for its TU. */
  start(): void {}

  /** The TU's response: 1xx moves to Proceeding, a final to Completed. */
  respond(res: SipResponse): void {
    if (this.state !== "trying" && this.state !== "proceeding") throw new TransactionStateError(this.state, `send ${res.status}`);
    this.#last = res;
    if (res.status < 200) {
      this.to("proceeding");
      this.transmit(res, false);
      return;
    }
    this.to("completed");
    this.transmit(res, false);
    this.timers.set("J", this.deps.reliable ? 0 : timeoutMs(this.deps.timers), () => this.onTimerJ());
  }

  /** The request arrived again: resend the last response, if any. */
  onRequestRetransmission(): void {
    this.emit({ type: "request_retransmission" });
    if ((this.state === "proceeding" || this.state === "completed") && this.#last !== undefined) this.transmit(this.#last, true);
  }

  /** Ends the transaction now as Timer J would; the layer answers retransmissions in its place. */
  settle(): void {
    this.onTimerJ();
  }

  /** Timer J: stop absorbing request retransmissions. */
  onTimerJ(): void {
    if (this.state !== "completed") return;
    this.finish({ kind: "completed", status: this.#last?.status ?? 0, acked: false });
    this.terminate();
  }

  protected override failureOutcome(f: MachineFailure): ServerOutcome {
    return f;
  }
}
