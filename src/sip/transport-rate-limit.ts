// Per-source token buckets: how many new INVITEs one address may start per second.
import type { Clock } from "./timers.js";
import type { Peer } from "./transport.js";

/** Decides whether a new INVITE from `source` may proceed. */
export type InviteRateLimiter = (source: Peer) => boolean;

export interface TokenBucketOptions {
  /** Sustained INVITEs per second per source address. */
  readonly ratePerSec: number;
  /** Burst allowance (bucket size); defaults to ratePerSec. */
  readonly burst?: number;
  /** Forget idle sources after this many buckets (oldest first); default 10,000. */
  readonly maxSources?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A token bucket per source IP (not per port: a NATed flood changes ports). */
export function tokenBucketLimiter(options: TokenBucketOptions, clock: Pick<Clock, "now"> = { now: Date.now }): InviteRateLimiter {
  const burst = options.burst ?? options.ratePerSec;
  const maxSources = options.maxSources ?? 10_000;
  if (!(options.ratePerSec > 0) || !(burst >= 1)) throw new RangeError("ratePerSec must be > 0 and burst >= 1");
  const buckets = new Map<string, Bucket>();
  return (source) => {
    const now = clock.now();
    let b = buckets.get(source.address);
    if (b === undefined) {
      if (buckets.size >= maxSources) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      b = { tokens: burst, at: now };
    } else {
      buckets.delete(source.address); // re-insert to keep the map in least-recently-used order
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * options.ratePerSec);
      b.at = now;
    }
    buckets.set(source.address, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };
}
