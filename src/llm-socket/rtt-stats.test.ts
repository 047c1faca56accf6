import assert from "node:assert/strict";
import { test } from "node:test";
import { RttStats } from "./rtt-stats.js";

test("nearest-rank percentiles over the samples, in arrival order in values", () => {
  const s = new RttStats();
  for (let i = 100; i >= 1; i--) s.add(i + 0.04);
  const sum = s.summary();
  assert.equal(sum.num, 100);
  assert.equal(sum.p50, 50);
  assert.equal(sum.p90, 90);
  assert.equal(sum.p95, 95);
  assert.equal(sum.p99, 99);
  assert.equal(sum.min, 1);
  assert.equal(sum.max, 100);
  assert.equal(sum.values?.[0], 100);
});

test("no samples: an empty summary, not zeros pretending to be measurements", () => {
  assert.deepEqual(new RttStats().summary(), { num: 0, values: [] });
});

test("a single sample is every percentile", () => {
  const s = new RttStats();
  s.add(3.26);
  assert.deepEqual(s.summary(), { p50: 3.3, p90: 3.3, p95: 3.3, p99: 3.3, min: 3.3, max: 3.3, num: 1, values: [3.3] });
});
