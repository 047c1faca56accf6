import { test } from "node:test";
import assert from "node:assert/strict";
import { RateEstimator, snapRate } from "./rate-estimator.js";

test("snapRate picks the nearest common AudioContext rate", () => {
  assert.equal(snapRate(23_400), 24_000);
  assert.equal(snapRate(22_300), 22_050);
  assert.equal(snapRate(47_000), 48_000);
  assert.equal(snapRate(8_300), 8_000);
});

test("the estimator measures a 24 kHz client sending bursty 128-sample quanta with ±15 ms jitter", () => {
  const est = new RateEstimator(1200);
  let seed = 7;
  const jitter = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 30 - 15;
  let result: { rate: number; measured: number } | undefined;
  for (let i = 0; i < 400 && !result; i++) result = est.add(128, 1000 + (i * 128 * 1000) / 24_000 + jitter());
  assert.ok(result, "decides within 400 quanta");
  assert.equal(result.rate, 24_000);
  assert.ok(Math.abs(result.measured - 24_000) < 800, `measured ${result.measured}`);
});

test("the estimator waits for its window before deciding", () => {
  const est = new RateEstimator(1000);
  for (let i = 0; i < 40; i++) assert.equal(est.add(320, i * 20), undefined);
  assert.equal(est.add(320, 1000)?.rate, 16_000);
});
