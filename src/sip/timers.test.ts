import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "./timers-manual.js";
import { nextInterval, timeoutMs, timerDMs, timerPolicy } from "./timers.js";

test("timer values derive from T1/T2/T4 as RFC 3261 Table 4 says", () => {
  const p = timerPolicy();
  assert.equal(timeoutMs(p), 32_000, "B, F, H, J, L, M = 64·T1");
  assert.equal(timerDMs(p, false), 32_000);
  assert.equal(timerDMs(p, true), 0);
  assert.equal(nextInterval(p, 2000, true), 4000);
  assert.equal(nextInterval(p, 4000, true), 4000, "capped at T2");
  assert.equal(nextInterval(p, 4000, false), 8000, "Timer A is not capped");
  assert.equal(timeoutMs(timerPolicy({ t1Ms: 10 })), 640);
});

test("nonsense timer values are refused", () => {
  assert.throws(() => timerPolicy({ t1Ms: 0 }), RangeError);
  assert.throws(() => timerPolicy({ t2Ms: -1 }), RangeError);
  assert.throws(() => timerPolicy({ t4Ms: Number.NaN }), RangeError);
});

test("the manual clock fires callbacks in due order, and cancelled ones never", () => {
  const c = new ManualClock(1000);
  const fired: string[] = [];
  c.schedule(30, () => fired.push("b"));
  c.schedule(10, () => { fired.push("a"); c.schedule(10, () => fired.push("a2")); });
  const x = c.schedule(15, () => fired.push("x"));
  x.cancel();
  assert.deepEqual(c.pendingDelays(), [10, 30]);
  c.advance(25);
  assert.deepEqual(fired, ["a", "a2"]);
  assert.equal(c.now(), 1025);
  c.advance(5);
  assert.deepEqual(fired, ["a", "a2", "b"]);
});
