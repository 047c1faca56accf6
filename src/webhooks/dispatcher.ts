import type { OutboxEntry, Store } from "../store/types.js";
import { signWebhook } from "./signature.js";

export interface DispatcherLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DispatcherOptions {
  readonly store: Store;
  readonly nodeId: string;
  /** Per-attempt timeout (Retell: 10 s). */
  readonly timeoutMs: number;
  /** Retries after the first attempt (Retell: 3). */
  readonly maxRetries: number;
  readonly log: DispatcherLog;
  /** How often the outbox is polled when nothing kicks it. */
  readonly pollMs?: number;
  /** Delay before retry n (1-based); default 1 s, 4 s, 16 s … */
  readonly backoffMs?: (retry: number) => number;
  /** Called after each attempt; tests await deliveries through it. */
  readonly onAttempt?: (entry: OutboxEntry, outcome: DeliveryOutcome) => void;
}

export type DeliveryOutcome =
  | { readonly kind: "delivered"; readonly status: number }
  | { readonly kind: "failed"; readonly error: string; readonly willRetry: boolean };

/**
 * Delivers the persisted webhook outbox: claims due entries with a lease (so several nodes and a
 * restarted node never lose or double-send within a lease), signs each body at send time as
 * Retell does, and retries with backoff. Entries survive a crash because they are rows, not timers.
 */
export class WebhookDispatcher {
  readonly #o: DispatcherOptions;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = false;
  #again = false;
  #inFlight = new Set<Promise<void>>();

  constructor(options: DispatcherOptions) {
    this.#o = options;
  }

  /** Starts polling. */
  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Asks for a poll now (after an enqueue). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  /** Stops polling and waits for deliveries under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#inFlight]);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#poll(), delayMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    this.#timer = undefined;
    this.#running = true;
    try {
      const now = Date.now();
      const due = await this.#o.store.outbox.claimDue({ nodeId: this.#o.nodeId, now, limit: 32, leaseMs: this.#o.timeoutMs + 5_000 });
      for (const entry of due) {
        const p = this.#deliver(entry).finally(() => this.#inFlight.delete(p));
        this.#inFlight.add(p);
      }
      if (due.length === 32) this.#again = true;
    } catch (err) {
      this.#o.log.warn({ err: String(err) }, "webhook outbox poll failed");
    } finally {
      this.#running = false;
      const again = this.#again;
      this.#again = false;
      this.#schedule(again ? 0 : (this.#o.pollMs ?? 500));
    }
  }

  async #deliver(entry: OutboxEntry): Promise<void> {
    let outcome: DeliveryOutcome;
    try {
      const key = await this.#o.store.apiKeys.webhookSigningKey(entry.workspaceId);
      const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "Parley-Webhooks/1" };
      if (key) headers["x-retell-signature"] = signWebhook(entry.payload, key);
      const res = await fetch(entry.url, {
        method: "POST",
        headers,
        body: entry.payload,
        redirect: "manual",
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      outcome = res.status >= 200 && res.status < 300 ? { kind: "delivered", status: res.status } : this.#failure(entry, `HTTP ${res.status}`);
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const why = e.name === "TimeoutError" ? `no answer within ${this.#o.timeoutMs} ms` : (e.cause?.code ?? e.message);
      outcome = this.#failure(entry, why);
    }
    try {
      if (outcome.kind === "delivered") await this.#o.store.outbox.markDelivered(entry.id, Date.now());
      else {
        const retry = entry.attempts; // attempts already counts this one
        const backoff = this.#o.backoffMs ?? ((n: number) => 1000 * 4 ** (n - 1));
        await this.#o.store.outbox.markFailed(entry.id, { error: outcome.error, nextAttemptAt: Date.now() + backoff(retry), dead: !outcome.willRetry });
        this.#o.log.warn({ event: entry.event, callId: entry.callId, url: entry.url, attempt: entry.attempts, error: outcome.error }, "webhook delivery failed");
      }
    } catch (err) {
      this.#o.log.warn({ err: String(err), id: entry.id }, "webhook outbox update failed");
    }
    this.#o.onAttempt?.(entry, outcome);
  }

  #failure(entry: OutboxEntry, error: string): DeliveryOutcome {
    return { kind: "failed", error, willRetry: entry.attempts < 1 + this.#o.maxRetries };
  }
}
