import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { assertIds, assertLimit, type AcquireResult, type ConcurrencyLimiter } from "./concurrency.js";

/**
 * Leases shared by every node through Redis: one sorted set per workspace, member = callId,
 * score = lease expiry (ms, Redis clock). Each script drops expired members before it counts, so
 * the leases of a node that stopped heart-beating free their slots after `leaseTtlMs` without
 * anyone having to notice the node died.
 */

export interface RedisConcurrencyOptions {
  /** A client to use (not closed by `close()`), or a URL to open one (closed by `close()`). */
  readonly redis: Redis | string;
  /** Prefix of every key; tests use a random one. Default `parley:concurrency:`. */
  readonly keyPrefix?: string;
  /** How long a lease lives without a heartbeat. Default 30 000 ms. */
  readonly leaseTtlMs?: number;
  /** Interval of the automatic heartbeat. Default a third of the TTL (10 000 ms). */
  readonly heartbeatMs?: number;
  /** Off: the owner calls `heartbeat()` itself (tests). Default on. */
  readonly autoHeartbeat?: boolean;
  /** Called for each lease found expired at a heartbeat (the node stalled longer than the TTL). */
  readonly onLeaseLost?: (workspaceId: string, callId: string) => void;
  /** Called when an automatic heartbeat fails (Redis down); the next one retries. */
  readonly onHeartbeatError?: (error: unknown) => void;
  /** Connection errors of a client opened from a URL (ioredis reconnects by itself meanwhile). */
  readonly onConnectionError?: (error: Error) => void;
}

// Milliseconds on Redis's own clock, so nodes with skewed clocks agree on expiry.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)`;

// The set itself expires with its last lease so idle workspaces leave nothing behind.
const KEEP_KEY = `local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', math.ceil(tonumber(last[2])))) end`;

// ARGV: callId, limit, ttlMs → {1, count} admitted, {0, count} refused.
const ACQUIRE = `${NOW}
local ttl = tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  ${KEEP_KEY}
  return {1, redis.call('ZCARD', KEYS[1])}
end
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[2]) then return {0, count} end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
${KEEP_KEY}
return {1, count + 1}`;

// ARGV: ttlMs, callId... → the callIds whose lease had already expired (lost).
const EXTEND = `${NOW}
local ttl = tonumber(ARGV[1])
local lost = {}
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], now + ttl, ARGV[i])
  else
    table.insert(lost, ARGV[i])
  end
end
${KEEP_KEY}
return lost`;

const CURRENT = `${NOW}
return redis.call('ZCARD', KEYS[1])`;

interface Script {
  readonly text: string;
  readonly sha: string;
}

function script(text: string): Script {
  return { text, sha: createHash("sha1").update(text).digest("hex") };
}

const SCRIPTS = { acquire: script(ACQUIRE), extend: script(EXTEND), current: script(CURRENT) };

/** Shared, expiring workspace leases in Redis; exact under concurrency (one Lua script per acquire). */
export class RedisConcurrencyLimiter implements ConcurrencyLimiter {
  readonly #redis: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #onLeaseLost: ((workspaceId: string, callId: string) => void) | undefined;
  /** Leases this node holds: workspace → calls. */
  readonly #held = new Map<string, Set<string>>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RedisConcurrencyOptions) {
    const ttl = options.leaseTtlMs ?? 30_000;
    if (!Number.isFinite(ttl) || ttl < 1) throw new RangeError(`leaseTtlMs must be ≥ 1, got ${String(ttl)}`);
    const every = options.heartbeatMs ?? Math.max(1, Math.floor(ttl / 3));
    if (!Number.isFinite(every) || every < 1) throw new RangeError(`heartbeatMs must be ≥ 1, got ${String(every)}`);
    this.#ttlMs = Math.round(ttl);
    this.#prefix = options.keyPrefix ?? "parley:concurrency:";
    this.#onLeaseLost = options.onLeaseLost;
    if (typeof options.redis === "string") {
      // Fail a command after a short reconnect attempt rather than queueing admissions forever.
      this.#redis = new Redis(options.redis, { maxRetriesPerRequest: 1, connectTimeout: 3000, lazyConnect: false });
      // Without a listener ioredis prints every failed reconnect (several a second while Redis is
      // down); by default say it at most every 30 s, or let the owner decide.
      this.#redis.on("error", options.onConnectionError ?? throttledWarning(30_000));
      this.#ownsClient = true;
    } else {
      this.#redis = options.redis;
      this.#ownsClient = false;
    }
    if (options.autoHeartbeat !== false) {
      const onError = options.onHeartbeatError;
      this.#timer = setInterval(() => {
        this.heartbeat().catch((e: unknown) => onError?.(e));
      }, every);
      this.#timer.unref();
    }
  }

  /** The Redis key of a workspace's lease set (hash-tagged so it stays on one cluster slot). */
  keyOf(workspaceId: string): string {
    return `${this.#prefix}{${workspaceId}}`;
  }

  async #run(s: Script, key: string, args: readonly (string | number)[]): Promise<unknown> {
    try {
      try {
        return await this.#redis.evalsha(s.sha, 1, key, ...args);
      } catch (e) {
        if (e instanceof Error && e.message.startsWith("NOSCRIPT")) return await this.#redis.eval(s.text, 1, key, ...args);
        throw e;
      }
    } catch (e) {
      throw storeError(e);
    }
  }

  /** Takes a lease atomically if the workspace holds fewer than `limit` live leases. */
  async acquire(workspaceId: string, callId: string, limit: number): Promise<AcquireResult> {
    assertIds(workspaceId, callId);
    assertLimit(limit);
    this.#assertOpen();
    const reply = await this.#run(SCRIPTS.acquire, this.keyOf(workspaceId), [callId, limit, this.#ttlMs]);
    const [ok, count] = pair(reply);
    if (ok !== 1) return { ok: false, current: count };
    let calls = this.#held.get(workspaceId);
    if (!calls) {
      calls = new Set();
      this.#held.set(workspaceId, calls);
    }
    calls.add(callId);
    return { ok: true };
  }

  /** Frees the call's slot; idempotent, and works for a lease another node took. */
  async release(workspaceId: string, callId: string): Promise<void> {
    assertIds(workspaceId, callId);
    this.#assertOpen();
    await this.#redis.zrem(this.keyOf(workspaceId), callId).catch((e: unknown) => {
      throw storeError(e);
    });
    const calls = this.#held.get(workspaceId);
    calls?.delete(callId);
    if (calls?.size === 0) this.#held.delete(workspaceId);
  }

  /** Live leases of the workspace across every node. */
  async current(workspaceId: string): Promise<number> {
    assertIds(workspaceId);
    this.#assertOpen();
    return Number(await this.#run(SCRIPTS.current, this.keyOf(workspaceId), []));
  }

  /** Extends every lease this node holds by the TTL; leases already expired are dropped and reported. */
  async heartbeat(): Promise<void> {
    if (this.#closed || this.#held.size === 0) return;
    const batches = [...this.#held].map(async ([workspaceId, calls]) => {
      if (calls.size === 0) return;
      const lost = await this.#run(SCRIPTS.extend, this.keyOf(workspaceId), [this.#ttlMs, ...calls]);
      for (const callId of Array.isArray(lost) ? lost : []) {
        const id = String(callId);
        calls.delete(id);
        this.#onLeaseLost?.(workspaceId, id);
      }
      if (calls.size === 0) this.#held.delete(workspaceId);
    });
    await Promise.all(batches);
  }

  /** Leases held by this node, for the owner's bookkeeping. */
  heldCount(): number {
    let n = 0;
    for (const calls of this.#held.values()) n += calls.size;
    return n;
  }

  /** Stops heart-beating (held leases then expire on their own) and closes an owned client. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#held.clear();
    if (this.#ownsClient) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("concurrency limiter is closed");
  }
}

function throttledWarning(everyMs: number): (e: Error) => void {
  let last = 0;
  return (e) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    console.warn(`[parley] concurrency store (Redis) connection error: ${e.message}`);
  };
}

/** Names the failing dependency, so admission can tell "store down" from a refusal. */
function storeError(e: unknown): Error {
  const detail = e instanceof Error ? e.message : String(e);
  return new Error(`concurrency store (Redis) failed: ${detail}`, { cause: e });
}

function pair(reply: unknown): [number, number] {
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error(`unexpected reply from the acquire script: ${JSON.stringify(reply)}`);
  return [Number(reply[0]), Number(reply[1])];
}
