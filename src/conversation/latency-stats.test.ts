import assert from "node:assert/strict";
import { test } from "node:test";
import { summarize } from "./latency-stats.js";

test("latency summary in Retell's shape with nearest-rank percentiles", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  const s = summarize(values);
  assert.equal(s.p50, 50);
  assert.equal(s.p90, 90);
  assert.equal(s.p95, 95);
  assert.equal(s.p99, 99);
  assert.equal(s.min, 1);
  assert.equal(s.max, 100);
  assert.equal(s.num, 100);
  assert.deepEqual(s.values, values, "values in arrival order");
  assert.deepEqual(summarize([]), { num: 0, values: [] });
});
