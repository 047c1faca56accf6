import { test } from "node:test";
import assert from "node:assert/strict";
import { correlation, dbfs, envelope, envelopeCorrelation, rms } from "./energy.js";

function burstSignal(rate: number, pattern: number[], seed = 1): Int16Array {
  // Noise bursts whose loudness follows `pattern` (one entry per 100 ms).
  const out = new Int16Array((pattern.length * rate) / 10);
  let x = seed;
  for (let i = 0; i < out.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const level = pattern[Math.floor((i * 10) / rate)] as number;
    out[i] = Math.round(((x / 0x7fffffff) * 2 - 1) * level);
  }
  return out;
}

test("rms and dBFS of a full-scale square wave", () => {
  const sq = Int16Array.from({ length: 800 }, (_, i) => (i % 2 ? 32767 : -32767));
  assert.ok(Math.abs(rms(sq) - 32767) < 1e-6);
  assert.ok(Math.abs(dbfs(sq)) < 0.01);
  assert.equal(dbfs(new Int16Array(10)), -Infinity);
  assert.equal(envelope(sq, 8000, 20).length, 5);
});

test("envelope correlation finds the same audio despite noise, gain and delay", () => {
  const pattern = [0, 8000, 8000, 0, 2000, 12000, 0, 0, 5000, 9000, 1000, 0, 7000, 0, 3000, 11000];
  const a = burstSignal(8000, pattern, 1);
  const delayed = new Int16Array(a.length);
  delayed.set(a.subarray(0, a.length - 480).map((v) => v >> 1), 480); // 60 ms later, 6 dB quieter
  const same = envelopeCorrelation(a, delayed, 8000, { maxLagMs: 200 });
  assert.ok(same.correlation > 0.95, `corr ${same.correlation}`);
  assert.equal(same.lagMs, -60);
  const other = burstSignal(8000, [...pattern].reverse(), 7);
  assert.ok(envelopeCorrelation(a, other, 8000, { maxLagMs: 0 }).correlation < 0.5);
  assert.equal(correlation([1, 1, 1], [1, 2, 3]), 0);
});
