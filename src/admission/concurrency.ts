/**
 * Workspace concurrency leases (DESIGN.md "Scale-out"): one lease per live call, counted across
 * every node. The in-process limiter is exact for one node; the Redis limiter shares the count and
 * lets a dead node's leases expire.
 */

/** The answer to an acquire: admitted, or refused with the count that was already in use. */
export type AcquireResult = { readonly ok: true } | { readonly ok: false; readonly current: number };

export interface ConcurrencyLimiter {
  /**
   * Takes a lease for `callId` if the workspace holds fewer than `limit` leases. Acquiring a
   * call that already holds a lease succeeds without taking a second slot.
   */
  acquire(workspaceId: string, callId: string, limit: number): Promise<AcquireResult>;
  /** Gives the call's lease back; releasing an unknown or already released call does nothing. */
  release(workspaceId: string, callId: string): Promise<void>;
  /** Leases the workspace holds now (expired ones excluded). */
  current(workspaceId: string): Promise<number>;
  /** Extends every lease this node holds; the owner calls it periodically. */
  heartbeat(): Promise<void>;
  /** Stops the heartbeat timer and closes connections; leases are left to expire. */
  close(): Promise<void>;
}

/** Rejects limits that cannot be meant (negative, fractional, NaN) with a clear error. */
export function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`concurrency limit must be a non-negative integer, got ${String(limit)}`);
  }
}

/** Rejects empty or non-string workspace and call ids with a clear error. */
export function assertIds(workspaceId: string, callId?: string): void {
  if (typeof workspaceId !== "string" || workspaceId.length === 0) {
    throw new TypeError("workspaceId must be a non-empty string");
  }
  if (callId !== undefined && (typeof callId !== "string" || callId.length === 0)) {
    throw new TypeError("callId must be a non-empty string");
  }
}
