import { EventEmitter } from "node:events";
import {
  applyEnd,
  callEnd,
  EndLatch,
  markOngoing,
  type CallEnd,
  type CallEventType,
  type CallRecord,
  type SignallingTimestamps,
  type WarmTransferOutcome,
  type WarmTransferRequest,
} from "../core/index.js";
import type { AudioLeg } from "../core/audio-leg.js";
import type { AgentConfig, Repositories, Store, StoredCall } from "../store/types.js";
import { bridgeLegs } from "./bridge.js";
import { CallLog, type LogFn } from "./call-log.js";
import { afterCancelledTransfer, type CancelledTransfer } from "./transfer-cancelled.js";
import { enqueueCallWebhook } from "./webhook-events.js";
import type { ArtifactUrls } from "./signed-urls.js";

export interface SessionLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CallSessionDeps {
  readonly store: Store;
  readonly urls: ArtifactUrls;
  readonly agent: AgentConfig | undefined;
  readonly workspaceWebhookUrl: string | undefined;
  /** Releases the concurrency lease; called exactly once, at the end. */
  readonly releaseLease: () => Promise<void>;
  /** Tells the webhook dispatcher there is something to send. */
  readonly kickWebhooks: () => void;
  readonly log: SessionLog;
  /** Runs on every connected leg (the conversation); none means the call just carries audio. */
  readonly legRunner?: LegRunner;
}

/** What runs on a connected leg (the conversation engine); returns its stop function. */
export type LegRunner = (session: CallSession, leg: AudioLeg) => () => void | Promise<void>;

/** Teardown work a leg registers: runs first at the end (BYE / socket close), before timers and media go. */
export type Hangup = (end: CallEnd) => Promise<void> | void;

/** A warm transfer's bridge after the agent left: it runs until a party hangs up or `release` is called. */
interface Bridge {
  readonly done: Promise<void>;
  readonly release: () => void;
  readonly hangUpTarget: (end: CallEnd) => Promise<void>;
}

/**
 * One live call. It owns the record, the detailed log, the timers and the ending; legs and the
 * conversation attach to it. `end()` runs once: the first cause wins and later ones are logged.
 */
export class CallSession extends EventEmitter<{ ended: [CallEnd] }> {
  #record: CallRecord;
  readonly #deps: CallSessionDeps;
  readonly #latch = new EndLatch();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #hangups: Hangup[] = [];
  readonly #log: CallLog;
  /** What the last committed write of the record stored: the next one writes only what changed. */
  #stored: StoredCall | undefined;
  #writes = 0;
  #storedNo = 0;
  #endDone: Promise<void> | undefined;
  #leg: AudioLeg | undefined;
  #stopRunner: (() => Promise<void>) | undefined;
  #targetDial: AbortController | undefined;
  #bridge: Bridge | undefined;
  #cancelledTransfer: CancelledTransfer | undefined;
  /** The warm transfer under way: the end waits for it, so a ringing or whispered-to target is hung up first. */
  #transferRun: Promise<unknown> = Promise.resolve();
  /** Set once the terminal record is built: later updates cannot reach the store. */
  #sealed = false;

  constructor(record: CallRecord, deps: CallSessionDeps) {
    super();
    this.#record = record;
    this.#deps = deps;
    this.#log = new CallLog(record.callId, record.startTimestamp, deps.store, deps.log);
  }

  get record(): CallRecord {
    return this.#record;
  }

  get callId(): string {
    return this.#record.callId;
  }

  get agent(): AgentConfig | undefined {
    return this.#deps.agent;
  }

  /** True once an ending has been accepted. */
  get ending(): boolean {
    return this.#latch.end !== undefined;
  }

  /** Stores the new call's record (once, before anything else is written). */
  async create(): Promise<void> {
    const record = this.#record;
    this.#stored = await this.#deps.store.transaction((tx) => tx.calls.insert(record));
  }

  /** Stores the live record as it is now (update-call on a live call). */
  async save(): Promise<void> {
    await this.#saving(this.#record, () => Promise.resolve());
  }

  /**
   * Writes `record` (only what changed since the last committed write) and whatever `more` adds,
   * in one transaction. What it stored becomes the base of later writes once it has committed;
   * writes commit in the order they were asked for, so the newest one that committed wins.
   */
  async #saving<T>(record: CallRecord, more: (tx: Repositories) => Promise<T>): Promise<T> {
    const no = ++this.#writes;
    const [stored, result] = await this.#deps.store.transaction(async (tx) => [await tx.calls.update(record, this.#stored), await more(tx)] as const);
    if (no > this.#storedNo) {
      this.#stored = stored;
      this.#storedNo = no;
    }
    return result;
  }

  /** Appends a step to the detailed log (written in batches); `at` backdates a step seen before the call existed. */
  log(type: CallEventType, data: Record<string, unknown> = {}, at?: number, raw?: Buffer): void {
    this.#log.add(type, data, at, raw);
  }

  /** Writes buffered log events. */
  flushEvents(): Promise<void> {
    return this.#log.flush();
  }

  /** Logs into this call without holding the session: for messages that arrive after the end. */
  lateLog(): LogFn {
    const log = this.#log;
    return (type, data, at, raw) => log.add(type, data, at, raw);
  }

  /** Records signalling timestamps as they happen (first value wins). */
  stamp(ts: Partial<SignallingTimestamps>): void {
    // In place: timestamps only ever gain keys, so a snapshot that shares the object loses nothing.
    const timestamps = this.#record.timestamps as Record<string, number | undefined>;
    for (const [k, v] of Object.entries(ts)) if (timestamps[k] === undefined && v !== undefined) timestamps[k] = v;
  }

  /** Starts (or restarts) a named timer; it is cancelled when the call ends. */
  setTimer(name: string, ms: number, onFire: () => void): void {
    this.clearTimer(name);
    if (this.ending) return;
    this.log("timer.set", { name, ms });
    const t = setTimeout(() => {
      this.#timers.delete(name);
      this.log("timer.fired", { name });
      onFire();
    }, ms);
    this.#timers.set(name, t);
  }

  clearTimer(name: string): void {
    const t = this.#timers.get(name);
    if (t) clearTimeout(t);
    this.#timers.delete(name);
  }

  /** Registers leg teardown to run at the end, in registration order. */
  onHangup(fn: Hangup): void {
    this.#hangups.push(fn);
  }

  /**
   * Binds the connected audio leg: its own endings (hang-up, broken stream, media timeout) end
   * the call, and the conversation runs on it until the call ends.
   */
  attachLeg(leg: AudioLeg): void {
    this.#leg = leg;
    const off = leg.on((e) => {
      if (e.type === "ended") void this.end(e.end);
      else if (e.type === "first_audio") this.log("media.first_rtp", { leg: leg.kind });
      else if (e.type === "dtmf") this.log("dtmf", { digit: e.digit, direction: "in" });
    });
    const stop = this.#deps.legRunner?.(this, leg);
    let stopped: Promise<void> | undefined;
    // Once: a warm transfer stops the agent before the call ends, the end's hangups then find it stopped.
    this.#stopRunner = () => (stopped ??= Promise.resolve(stop?.()).then(() => undefined));
    this.onHangup(async () => {
      off();
      await this.#stopRunner?.();
    });
  }

  /**
   * Warm-transfers the call (the agent asked for it): dials the target through the leg's trunk,
   * whispers to it, stops the agent and bridges caller and target. The record then ends with
   * transfer_bridged while the bridge runs on until a party hangs up. If the target fails, the
   * call goes on, and its later ordinary ending becomes transfer_cancelled with the target's failure.
   */
  warmTransfer(req: WarmTransferRequest): Promise<WarmTransferOutcome> {
    const run = this.#warmTransfer(req);
    // A second request while one runs is refused at once; the end must still wait for the first.
    this.#transferRun = Promise.all([this.#transferRun, run]);
    return run;
  }

  async #warmTransfer(req: WarmTransferRequest): Promise<WarmTransferOutcome> {
    const leg = this.#leg;
    const fail = (why: string, targetEnd?: CallEnd): WarmTransferOutcome => {
      this.log("transfer", { mode: "warm", destination: req.destination, ok: false, why });
      return { ok: false, why, ...(targetEnd ? { targetEnd } : {}) };
    };
    if (this.ending) return fail("the call is ending");
    if (!leg?.dialTransferTarget) return fail(`a ${leg?.kind ?? "detached"} leg cannot place a warm transfer`);
    if (this.#targetDial || this.#bridge) return fail("a transfer is already in progress");
    this.log("transfer", { mode: "warm", destination: req.destination, state: "dialing", timeoutMs: req.timeoutMs });
    const abort = new AbortController();
    this.#targetDial = abort;
    // The user is the far end of this call: its To on an outbound call, its From on an inbound one.
    const user = this.#record.direction === "inbound" ? this.#record.fromNumber : this.#record.toNumber;
    const callerId = req.showTransfereeAsCaller ? user : undefined;
    const dial = await leg
      .dialTransferTarget(req.destination, { timeoutMs: req.timeoutMs, signal: abort.signal, ...(callerId ? { callerId } : {}) })
      .finally(() => (this.#targetDial = undefined));
    if (!dial.ok) {
      this.#cancelledTransfer = { destination: req.destination, targetEnd: dial.end };
      return fail(dial.end.message, dial.end);
    }
    let gone: CallEnd | undefined;
    const targetLeft = new AbortController();
    void dial.ended.then((e) => {
      gone = e;
      targetLeft.abort();
    });
    if (req.whisper && !this.ending) {
      this.log("transfer", { mode: "warm", destination: req.destination, state: "whisper" });
      await Promise.race([req.whisper(dial.leg, targetLeft.signal), dial.ended]);
    }
    // The agent leaves before the legs are joined: the LLM socket is closed, nothing speaks over the bridge.
    if (!this.ending && !gone) await this.#stopRunner?.();
    if (this.ending || gone) {
      if (gone) this.#cancelledTransfer = { destination: req.destination, targetEnd: gone };
      await dial.hangUp(callEnd("transfer_cancelled", { phase: "in_call", message: "the call ended before the transfer target was bridged" }));
      return fail(gone ? `the transfer target left before it was bridged (${gone.message})` : "the call ended before the target was bridged", gone);
    }
    const unbridge = bridgeLegs(leg, dial.leg);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#bridge = { done: Promise.race([released, dial.ended.then(() => undefined)]).then(unbridge), release, hangUpTarget: (end) => dial.hangUp(end) };
    this.update({ transferDestination: dial.target });
    this.log("transfer", { mode: "warm", destination: req.destination, state: "bridged", target: dial.target });
    void this.end(callEnd("transfer_bridged", { phase: "in_call", message: `the transfer target ${dial.target} answered and was bridged with the caller; the agent left` }));
    return { ok: true, target: dial.target };
  }

  /**
   * Cold-transfers the call (the agent asked for it): on success the call ends with
   * call_transfer; on failure it goes on and the reason is logged. Returns whether it transferred.
   */
  async transfer(destination: string): Promise<boolean> {
    if (this.ending) return false;
    if (!this.#leg?.transfer) {
      this.log("transfer", { destination, ok: false, why: `a ${this.#leg?.kind ?? "detached"} leg cannot transfer` });
      return false;
    }
    this.log("transfer", { destination, state: "started" });
    const result = await this.#leg.transfer(destination);
    this.log("transfer", { destination, ...result });
    if (!result.ok) return false;
    this.update({ transferDestination: result.target });
    await this.end(callEnd("call_transfer", { phase: "in_call", message: `the call was transferred to ${result.target}` }));
    return true;
  }

  /** Marks the call connected: status ongoing, call_started webhook. */
  async connected(at = Date.now()): Promise<void> {
    if (this.ending || this.#record.callStatus !== "registered") return;
    this.#record = markOngoing(this.#record, at);
    this.log("call.status", { status: "ongoing" });
    const max = typeof this.#deps.agent?.max_call_duration_ms === "number" ? this.#deps.agent.max_call_duration_ms : 3_600_000;
    this.setTimer("max_duration", max, () =>
      void this.end(callEnd("max_duration_reached", { phase: "in_call", message: `the call reached its maximum duration of ${max} ms (max_call_duration_ms)` })),
    );
    try {
      const record = this.#record;
      const queued = await this.#saving(record, (tx) =>
        enqueueCallWebhook(tx, this.#deps.urls, record, "call_started", this.#deps.agent, this.#deps.workspaceWebhookUrl),
      );
      if (queued) this.#deps.kickWebhooks();
    } catch (err) {
      await this.end(callEnd("error_retell", { phase: "in_call", message: `could not persist the connected call: ${String(err)}` }));
    }
  }

  /** Mutates the live record (transcript, artifacts…); teardown may still add its output until the record is sealed. */
  update(patch: Partial<CallRecord>): void {
    if (this.#sealed) return;
    this.#record = { ...this.#record, ...patch };
  }

  /** New transcript from the conversation: kept on the record, and sent as transcript_updated to agents that subscribe. */
  transcriptUpdated(patch: Pick<CallRecord, "transcript" | "transcriptObject" | "transcriptWithToolCalls">): void {
    if (this.#sealed) return;
    this.update(patch);
    const events = this.#deps.agent?.webhook_events;
    if (!Array.isArray(events) || !events.includes("transcript_updated")) return;
    const record = this.#record;
    void this.#deps.store
      .transaction((tx) => enqueueCallWebhook(tx, this.#deps.urls, record, "transcript_updated", this.#deps.agent, this.#deps.workspaceWebhookUrl))
      .then(() => this.#deps.kickWebhooks())
      .catch((err: unknown) => this.#deps.log.warn({ err: String(err), callId: this.callId }, "transcript_updated not enqueued"));
  }

  /**
   * Ends the call with its first cause: leg hangups (BYE, socket close) first, then timers, the
   * lease, the terminal record and call_ended in one transaction. A bridged warm transfer stores
   * its record when the agent leaves and hangs both legs up once the bridge ends.
   */
  end(cause: CallEnd): Promise<void> {
    const end = afterCancelledTransfer(cause, this.#cancelledTransfer);
    if (!this.#latch.offer(end)) {
      this.log("call.end_ignored", { reason: end.reason, message: end.message });
      // A bridged call's record has ended already; any later cause (a party hung up, stop-call, shutdown) ends the bridge.
      this.#bridge?.release();
      return this.#endDone ?? Promise.resolve();
    }
    this.#endDone = this.#finish(end);
    return this.#endDone;
  }

  /** Resolves once the call has ended and been stored. */
  async whenEnded(): Promise<CallEnd> {
    if (this.#latch.end && this.#endDone) {
      await this.#endDone;
      return this.#latch.end;
    }
    return new Promise((resolve) => this.once("ended", resolve));
  }

  async #finish(end: CallEnd): Promise<void> {
    this.log("call.end", { reason: end.reason, phase: end.phase, fault: end.fault, message: end.message, ...(end.sip ? { sip: end.sip } : {}) });
    this.#targetDial?.abort();
    const bridge = this.#bridge;
    if (!bridge) {
      await this.#runHangups(end);
      // A target still ringing is CANCELled (aborted above), one already answered is sent BYE.
      await this.#transferRun;
    }
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    try {
      await this.#deps.releaseLease();
    } catch (err) {
      this.#deps.log.warn({ err: String(err), callId: this.callId }, "lease release failed; it will expire");
    }
    this.#sealed = true;
    this.#record = applyEnd(this.#record, end);
    // The last log events, the terminal record and call_ended commit together; events logged
    // later (a late retransmission) queue behind this commit and are flushed as they come.
    const record = this.#record;
    const final = this.#log.last((appendRest) =>
      this.#saving(record, async (tx) => {
        await appendRest(tx);
        return enqueueCallWebhook(tx, this.#deps.urls, record, "call_ended", this.#deps.agent, this.#deps.workspaceWebhookUrl);
      }),
    );
    try {
      if (await final) this.#deps.kickWebhooks();
    } catch (err) {
      this.#deps.log.error({ err: String(err), callId: this.callId }, "could not persist the ended call; the start-up sweep will end it");
    }
    if (bridge) {
      await bridge.done;
      this.log("transfer", { mode: "warm", state: "bridge_ended" });
      await Promise.all([bridge.hangUpTarget(end), this.#runHangups(end)]);
      await this.flushEvents();
    }
    this.emit("ended", end);
    // The hub keeps an ended session a while to log late retransmissions: without its leg and
    // teardown closures it no longer holds the dialog, the transaction and the media with it.
    this.#hangups.length = 0;
    this.#leg = undefined;
    this.#stopRunner = undefined;
    this.#bridge = undefined;
  }

  async #runHangups(end: CallEnd): Promise<void> {
    for (const hangup of this.#hangups) {
      try {
        await hangup(end);
      } catch (err) {
        this.#deps.log.warn({ err: String(err), callId: this.callId }, "leg hangup failed");
      }
    }
  }
}
