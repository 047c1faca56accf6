import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { limiterContract } from "./concurrency-contract.js";
import { RedisConcurrencyLimiter, type RedisConcurrencyOptions } from "./concurrency-redis.js";

const REDIS_URL = process.env["PARLEY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const SKIP = process.env["PARLEY_TEST_SKIP_REDIS"] === "1";

async function reachable(): Promise<string | undefined> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  probe.on("error", () => {});
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    probe.disconnect();
  }
}

/** Deletes every key under the prefix (leases also expire by themselves). */
async function cleanUp(prefix: string): Promise<void> {
  const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 200);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== "0");
  } finally {
    admin.disconnect();
  }
}

function node(prefix: string, extra: Partial<RedisConcurrencyOptions> = {}): RedisConcurrencyLimiter {
  return new RedisConcurrencyLimiter({ redis: REDIS_URL, keyPrefix: prefix, autoHeartbeat: false, ...extra });
}

const newPrefix = (): string => `parley-test:${randomBytes(6).toString("hex")}:`;

/** Polls `probe` until `done` holds or `withinMs` passes; returns the last value seen. */
async function pollUntil<T>(probe: () => Promise<T>, done: (v: T) => boolean, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    value = await probe();
  }
  return value;
}

const problem = await reachable();

if (problem !== undefined) {
  test("redis limiter: Redis is reachable", (t) => {
    if (SKIP) {
      t.skip(`Redis at ${REDIS_URL} unreachable (${problem}); PARLEY_TEST_SKIP_REDIS=1`);
      return;
    }
    assert.fail(`Redis at ${REDIS_URL} is unreachable (${problem}); start it or set PARLEY_TEST_SKIP_REDIS=1`);
  });
} else {
  // The contract on two nodes: every other acquire goes through a second client.
  limiterContract("redis limiter (two nodes)", async () => {
    const prefix = newPrefix();
    const a = node(prefix);
    const b = node(prefix);
    return {
      limiters: [a, b],
      dispose: async () => {
        await Promise.all([a.close(), b.close()]);
        await cleanUp(prefix);
      },
    };
  });

  test("redis limiter: leases of a node that stops heart-beating expire; a heart-beating node's stay", async () => {
    const prefix = newPrefix();
    const ttl = 300;
    const live = node(prefix, { leaseTtlMs: ttl, autoHeartbeat: true, heartbeatMs: 50 });
    const dead = node(prefix, { leaseTtlMs: ttl });
    try {
      // The live node's leases are taken first, so without its heartbeat they would expire first.
      for (let i = 0; i < 3; i++) assert.deepEqual(await live.acquire("ws", `live${i}`, 10), { ok: true });
      for (let i = 0; i < 5; i++) assert.deepEqual(await dead.acquire("ws", `dead${i}`, 10), { ok: true });
      assert.equal(await live.current("ws"), 8);
      await dead.close();
      const left = await pollUntil(() => live.current("ws"), (n) => n <= 3, 10 * ttl);
      assert.equal(left, 3);
      // The freed slots are usable again up to the limit.
      const more = await Promise.all(Array.from({ length: 9 }, (_, i) => live.acquire("ws", `new${i}`, 10)));
      assert.equal(more.filter((r) => r.ok).length, 7);
    } finally {
      await Promise.all([live.close(), dead.close()]);
      await cleanUp(prefix);
    }
  });

  test("redis limiter: a heartbeat after the lease expired reports it lost", async () => {
    const prefix = newPrefix();
    const lost: string[] = [];
    const stalled = node(prefix, { leaseTtlMs: 150, onLeaseLost: (ws, call) => lost.push(`${ws}/${call}`) });
    const other = node(prefix);
    try {
      assert.deepEqual(await stalled.acquire("ws", "c1", 5), { ok: true });
      assert.deepEqual(await stalled.acquire("ws", "c2", 5), { ok: true });
      await stalled.heartbeat();
      assert.deepEqual(lost, []);
      await other.release("ws", "c2");
      assert.equal(await pollUntil(() => other.current("ws"), (n) => n === 0, 3000), 0);
      await stalled.heartbeat();
      assert.deepEqual(lost.sort(), ["ws/c1", "ws/c2"]);
      assert.equal(stalled.heldCount(), 0);
    } finally {
      await Promise.all([stalled.close(), other.close()]);
      await cleanUp(prefix);
    }
  });

  test("redis limiter: the lease set expires with its last lease and release removes it", async () => {
    const prefix = newPrefix();
    const l = node(prefix, { leaseTtlMs: 5000 });
    const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      await l.acquire("ws", "c1", 5);
      const pttl = await admin.pttl(l.keyOf("ws"));
      assert.ok(pttl > 0 && pttl <= 5000, `key TTL ${pttl}`);
      await l.release("ws", "c1");
      assert.equal(await admin.exists(l.keyOf("ws")), 0);
    } finally {
      admin.disconnect();
      await l.close();
      await cleanUp(prefix);
    }
  });

  test("redis limiter: an unreachable Redis fails acquire with a clear error, quickly and quietly", async () => {
    const errors: Error[] = [];
    const l = new RedisConcurrencyLimiter({
      redis: "redis://127.0.0.1:1",
      autoHeartbeat: false,
      onConnectionError: (e) => errors.push(e),
    });
    try {
      await assert.rejects(l.acquire("ws", "c", 1), /concurrency store \(Redis\) failed/);
      assert.ok(errors.length > 0);
    } finally {
      await l.close();
    }
  });

  test("redis limiter: a closed limiter refuses work; bad options are refused", async () => {
    const l = node(newPrefix());
    await l.close();
    await l.close();
    await assert.rejects(l.acquire("ws", "c", 1), /closed/);
    assert.throws(() => new RedisConcurrencyLimiter({ redis: REDIS_URL, leaseTtlMs: 0, autoHeartbeat: false }), RangeError);
  });
}
