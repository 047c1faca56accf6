/**
 * The behaviour every ConcurrencyLimiter must show, as node:test cases; each implementation's
 * test file runs it against its own factory. Test support only: nothing in the app imports it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ConcurrencyLimiter } from "./concurrency.js";

/** A fresh limiter (or several sharing one store, for two-node cases) and its clean-up. */
export interface LimiterFixture {
  readonly limiters: readonly [ConcurrencyLimiter, ...ConcurrencyLimiter[]];
  dispose(): Promise<void>;
}

/** Registers the contract tests for one implementation. */
export function limiterContract(name: string, make: () => Promise<LimiterFixture>): void {
  async function withFixture(fn: (f: LimiterFixture) => Promise<void>): Promise<void> {
    const f = await make();
    try {
      await fn(f);
    } finally {
      await f.dispose();
    }
  }

  test(`${name}: 200 concurrent acquires with limit 20 admit exactly 20`, () =>
    withFixture(async ({ limiters }) => {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => limiters[i % limiters.length]!.acquire("ws_a", `call_${i}`, 20)),
      );
      const admitted = results.filter((r) => r.ok).length;
      assert.equal(admitted, 20);
      for (const r of results) if (!r.ok) assert.equal(r.current, 20);
      assert.equal(await limiters[0].current("ws_a"), 20);
      assert.equal(await limiters[0].current("ws_other"), 0);
    }));

  test(`${name}: release frees a slot; release is idempotent`, () =>
    withFixture(async ({ limiters }) => {
      const l = limiters[0];
      for (let i = 0; i < 3; i++) assert.deepEqual(await l.acquire("ws_b", `c${i}`, 3), { ok: true });
      assert.deepEqual(await l.acquire("ws_b", "c3", 3), { ok: false, current: 3 });
      await l.release("ws_b", "c1");
      await l.release("ws_b", "c1");
      await l.release("ws_b", "never-acquired");
      await l.release("ws_unknown", "c1");
      assert.equal(await l.current("ws_b"), 2);
      assert.deepEqual(await l.acquire("ws_b", "c3", 3), { ok: true });
      assert.deepEqual(await l.acquire("ws_b", "c4", 3), { ok: false, current: 3 });
    }));

  test(`${name}: acquiring the same call twice takes one slot`, () =>
    withFixture(async ({ limiters }) => {
      const l = limiters[0];
      assert.deepEqual(await l.acquire("ws_c", "same", 2), { ok: true });
      assert.deepEqual(await l.acquire("ws_c", "same", 2), { ok: true });
      assert.equal(await l.current("ws_c"), 1);
    }));

  test(`${name}: workspaces are counted separately; limit 0 refuses everything`, () =>
    withFixture(async ({ limiters }) => {
      const l = limiters[0];
      assert.deepEqual(await l.acquire("ws_d1", "x", 1), { ok: true });
      assert.deepEqual(await l.acquire("ws_d2", "x", 1), { ok: true });
      assert.deepEqual(await l.acquire("ws_d3", "x", 0), { ok: false, current: 0 });
    }));

  test(`${name}: bad input is refused with a clear error`, () =>
    withFixture(async ({ limiters }) => {
      const l = limiters[0];
      await assert.rejects(l.acquire("ws_e", "x", -1), RangeError);
      await assert.rejects(l.acquire("ws_e", "x", 1.5), RangeError);
      await assert.rejects(l.acquire("ws_e", "x", Number.NaN), RangeError);
      await assert.rejects(l.acquire("", "x", 1), TypeError);
      await assert.rejects(l.acquire("ws_e", "", 1), TypeError);
      assert.equal(await l.current("ws_e"), 0);
    }));
}
