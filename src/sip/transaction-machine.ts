// The plumbing every transaction state machine shares: state changes, one outcome, timers, sending.
import type { SipMessage } from "./message.js";
import type { TimerName } from "./timers.js";
import { TransactionTimers } from "./transaction-timers.js";
import { ProvisionalTally, type ClientOutcome, type TransactionDeps } from "./transaction.js";
import { classifySocketError, type TransportFailure } from "./transport-error.js";

/** The events every machine emits, whatever its kind. */
export type MachineEvent<O> =
  | { readonly type: "state"; readonly from: string; readonly to: string }
  | { readonly type: "sent"; readonly message: SipMessage; readonly retransmission: boolean }
  | { readonly type: "timer_set"; readonly timer: TimerName; readonly delayMs: number }
  | { readonly type: "timer_fired"; readonly timer: TimerName }
  | { readonly type: "outcome"; readonly outcome: O }
  | { readonly type: "terminated" };

/** The failures every machine can end with. */
export type MachineFailure = { readonly kind: "transport_error"; readonly failure: TransportFailure } | { readonly kind: "aborted"; readonly why: string };

/** Base of the four RFC 3261 transaction machines; subclasses hold the transition methods. */
export abstract class TransactionMachine<S extends string, O> {
  #state: S | "terminated";
  #outcomeSent = false;
  protected readonly timers: TransactionTimers;

  protected constructor(
    initial: S,
    protected readonly deps: TransactionDeps,
    private readonly emitBase: (e: MachineEvent<O>) => void,
  ) {
    this.#state = initial;
    this.timers = new TransactionTimers(deps.clock, emitBase);
  }

  /** The current state. */
  get state(): S | "terminated" {
    return this.#state;
  }

  /** The transport could not deliver a message of this transaction. */
  onTransportError(failure: TransportFailure): void {
    if (this.#state === "terminated") return;
    this.finish(this.failureOutcome({ kind: "transport_error", failure }));
    this.terminate();
  }

  /** Ends the transaction at once (stack shutdown); an unfinished TU gets an `aborted` outcome. */
  abort(why: string): void {
    if (this.#state === "terminated") return;
    this.finish(this.failureOutcome({ kind: "aborted", why }));
    this.terminate();
  }

  /** Shapes a failure as this kind's outcome (clients add their provisional tally). */
  protected abstract failureOutcome(f: MachineFailure): O;

  protected to(next: S | "terminated"): void {
    if (next === this.#state) return;
    const from = this.#state;
    this.#state = next;
    this.emitBase({ type: "state", from, to: next });
  }

  /** Reports the outcome; only the first one counts. */
  protected finish(outcome: O): void {
    if (this.#outcomeSent) return;
    this.#outcomeSent = true;
    this.emitBase({ type: "outcome", outcome });
  }

  protected terminate(): void {
    this.timers.clearAll();
    this.to("terminated");
    this.emitBase({ type: "terminated" });
  }

  protected transmit(message: SipMessage, retransmission: boolean): void {
    this.emitBase({ type: "sent", message, retransmission });
    this.deps.send(message, retransmission).catch((err: unknown) => this.onTransportError(classifySocketError(err)));
  }
}

/** Base of the two client machines: counts provisionals and reports timeouts with that evidence. */
export abstract class ClientTransactionMachine<S extends string> extends TransactionMachine<S, ClientOutcome> {
  protected readonly tally = new ProvisionalTally();
  readonly #startedAt: number;

  protected constructor(initial: S, deps: TransactionDeps, emit: (e: MachineEvent<ClientOutcome>) => void) {
    super(initial, deps, emit);
    this.#startedAt = deps.clock.now();
  }

  protected override failureOutcome(f: MachineFailure): ClientOutcome {
    return { ...f, provisionals: this.tally.snapshot() };
  }

  /** Ends the transaction with a timeout outcome. */
  protected timeOut(timer: "B" | "F" | "cancel_guard"): void {
    this.finish({ kind: "timeout", timer, afterMs: this.deps.clock.now() - this.#startedAt, provisionals: this.tally.snapshot() });
    this.terminate();
  }
}
