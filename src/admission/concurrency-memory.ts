import { assertIds, assertLimit, type AcquireResult, type ConcurrencyLimiter } from "./concurrency.js";

/**
 * In-process limiter for a single node: exact, since every acquire runs to completion on the one
 * event loop before the next. Leases never expire here; a restart forgets them with the process.
 */
export class MemoryConcurrencyLimiter implements ConcurrencyLimiter {
  readonly #leases = new Map<string, Set<string>>();

  /** Takes a lease if the workspace is under its limit. */
  async acquire(workspaceId: string, callId: string, limit: number): Promise<AcquireResult> {
    assertIds(workspaceId, callId);
    assertLimit(limit);
    let calls = this.#leases.get(workspaceId);
    if (calls?.has(callId)) return { ok: true };
    const current = calls?.size ?? 0;
    if (current >= limit) return { ok: false, current };
    if (!calls) {
      calls = new Set();
      this.#leases.set(workspaceId, calls);
    }
    calls.add(callId);
    return { ok: true };
  }

  /** Frees the call's slot; idempotent. */
  async release(workspaceId: string, callId: string): Promise<void> {
    assertIds(workspaceId, callId);
    const calls = this.#leases.get(workspaceId);
    if (!calls) return;
    calls.delete(callId);
    if (calls.size === 0) this.#leases.delete(workspaceId);
  }

  /** Leases the workspace holds. */
  async current(workspaceId: string): Promise<number> {
    assertIds(workspaceId);
    return this.#leases.get(workspaceId)?.size ?? 0;
  }

  /** Nothing to extend: in-process leases live as long as the process. */
  async heartbeat(): Promise<void> {}

  /** Forgets every lease. */
  async close(): Promise<void> {
    this.#leases.clear();
  }
}
