import { EventEmitter } from "node:events";
import {
  callEnd,
  EndLatch,
  type AudioLeg,
  type CallEnd,
  type CallEventType,
  type CallRecord,
  type SignallingTimestamps,
  type TargetDial,
  type TargetDialer,
  type TargetDialOptions,
} from "../core/index.js";
import type { DialRequest } from "../calls/call-service.js";
import type { DialHost } from "./dial-host.js";
import { OutboundCall } from "./outbound-call.js";
import type { SipHub } from "./sip-hub.js";
import { trunkRoute } from "./trunk-route.js";

/**
 * The dial request of a warm transfer's target: the call's own number (or `callerId`) and trunk,
 * ringing for `timeoutMs`. A `sip:` / `sips:` URI is dialled straight to its host (same
 * from-number and credentials); a number goes out through the trunk's termination URI.
 */
export function transferDialRequest(via: TransferVia, destination: string, o: Pick<TargetDialOptions, "timeoutMs" | "callerId">): DialRequest {
  const base = { trunk: via.trunk, from: o.callerId ?? via.from, customSipHeaders: {}, ringDurationMs: o.timeoutMs };
  const uri = /^(sips?):(?:([^@;]*)@)?/.exec(destination);
  if (!uri) return { ...base, to: destination };
  return { ...base, trunk: { ...via.trunk, terminationUri: destination }, to: decodeURIComponent(uri[2] ?? "") };
}

/** The trunk and number a call's warm-transfer target is dialled through: the call's own. */
export type TransferVia = Pick<DialRequest, "trunk" | "from">;

/** The warm-transfer dialer a call's SipLeg offers: targets go out through `via` and log into `host`'s call. */
export function targetDialer(hub: SipHub, host: Pick<DialHost, "callId" | "log">, via: TransferVia): TargetDialer {
  return (destination, o) => dialTransferTarget(hub, host, transferDialRequest(via, destination, o), o.signal);
}

/**
 * Owns a warm transfer's target leg as a call session owns a caller's leg, so the leg is dialled,
 * CANCELled and hung up by the same OutboundCall code. It keeps no record of its own: its SIP
 * messages, timers and ending go to the parent call's log, tagged `leg: "transfer_target"`.
 */
class TargetHost extends EventEmitter<{ ended: [CallEnd] }> implements DialHost {
  readonly record: Pick<CallRecord, "timestamps" | "dataStorageSetting"> & { timestamps: SignallingTimestamps } = {
    timestamps: {},
    // The parent's capture holds the bridged audio; the target leg writes no files of its own.
    dataStorageSetting: "basic_attributes_only",
  };
  readonly #latch = new EndLatch();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #hangups: ((end: CallEnd) => Promise<void> | void)[] = [];
  #done: Promise<void> | undefined;
  #answered = false;

  constructor(
    private readonly parent: Pick<DialHost, "callId" | "log">,
    private readonly target: string,
    private readonly settle: (d: TargetDial) => void,
  ) {
    super();
  }

  get callId(): string {
    return this.parent.callId;
  }

  log(type: CallEventType, data: Record<string, unknown> = {}, at?: number, raw?: Buffer): void {
    this.parent.log(type, { ...data, leg: "transfer_target" }, at, raw);
  }

  stamp(ts: Partial<SignallingTimestamps>): void {
    this.record.timestamps = { ...ts, ...this.record.timestamps };
  }

  setTimer(name: string, ms: number, onFire: () => void): void {
    this.clearTimer(name);
    if (this.#latch.end) return;
    this.log("timer.set", { name, ms });
    this.#timers.set(
      name,
      setTimeout(() => {
        this.#timers.delete(name);
        this.log("timer.fired", { name });
        onFire();
      }, ms),
    );
  }

  clearTimer(name: string): void {
    clearTimeout(this.#timers.get(name));
    this.#timers.delete(name);
  }

  onHangup(fn: (end: CallEnd) => Promise<void> | void): void {
    this.#hangups.push(fn);
  }

  update(): void {
    // No evidence files for the target leg (see dataStorageSetting above).
  }

  async connected(): Promise<void> {
    this.log("transfer", { state: "target_answered", target: this.target });
  }

  attachLeg(leg: AudioLeg): void {
    leg.on((e) => {
      if (e.type === "ended") void this.end(e.end);
    });
    this.#answered = true;
    const ended = new Promise<CallEnd>((resolve) => this.once("ended", resolve));
    this.settle({ ok: true, target: this.target, leg, ended, hangUp: (end) => this.end(end) });
  }

  end(end: CallEnd): Promise<void> {
    if (!this.#latch.offer(end)) return this.#done ?? Promise.resolve();
    this.#done = this.#finish(end);
    return this.#done;
  }

  async #finish(end: CallEnd): Promise<void> {
    this.log("transfer", { state: "target_ended", reason: end.reason, message: end.message, ...(end.sip ? { sip: end.sip } : {}) });
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    for (const hangup of this.#hangups) {
      try {
        await hangup(end);
      } catch (err) {
        this.log("error", { source: "transfer_target", message: String(err) });
      }
    }
    if (!this.#answered) this.settle({ ok: false, target: this.target, end });
    this.emit("ended", end);
  }
}

/**
 * Dials a warm transfer's target and resolves once it answered (with its leg) or failed (with
 * its classified ending: busy, no answer after the CANCEL, declined…). Aborting `signal` while it
 * rings CANCELs it.
 */
function dialTransferTarget(hub: SipHub, parent: Pick<DialHost, "callId" | "log">, req: DialRequest, signal?: AbortSignal): Promise<TargetDial> {
  return new Promise<TargetDial>((resolve) => {
    const route = trunkRoute(req.trunk, req.to);
    const host = new TargetHost(parent, route.ok ? route.requestUri : req.to, resolve);
    const abort = (): void =>
      void host.end(callEnd("transfer_cancelled", { phase: "in_call", message: "the call ended while the transfer target was ringing" }));
    if (signal?.aborted) return abort();
    signal?.addEventListener("abort", abort, { once: true });
    host.once("ended", () => signal?.removeEventListener("abort", abort));
    new OutboundCall(hub, host, req).run().catch((err: unknown) => {
      void host.end(callEnd("dial_failed", { phase: "dialing", fault: "platform", message: `dialing the transfer target failed: ${String(err)}` }));
    });
  });
}
