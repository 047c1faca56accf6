import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "./timers-manual.js";
import { tokenBucketLimiter } from "./transport-rate-limit.js";

const a = { transport: "udp" as const, address: "127.0.0.9", port: 5060 };
const b = { transport: "udp" as const, address: "127.0.0.10", port: 5060 };

test("a source gets its burst, then its rate; other sources are unaffected", () => {
  const clock = new ManualClock();
  const allow = tokenBucketLimiter({ ratePerSec: 2, burst: 3 }, clock);
  assert.deepEqual([allow(a), allow(a), allow(a), allow(a)], [true, true, true, false]);
  assert.equal(allow(b), true);
  clock.advance(499);
  assert.equal(allow(a), false);
  clock.advance(1);
  assert.equal(allow(a), true);
  assert.equal(allow({ ...a, port: 9999 }), false, "buckets are per address, not per port");
});

test("the bucket table stays bounded", () => {
  const clock = new ManualClock();
  const allow = tokenBucketLimiter({ ratePerSec: 1, burst: 1, maxSources: 2 }, clock);
  assert.equal(allow(a), true);
  assert.equal(allow(b), true);
  assert.equal(allow({ ...a, address: "127.0.0.11" }), true);
  assert.equal(allow(a), true, "the oldest source was forgotten, so it starts with a full bucket");
});
