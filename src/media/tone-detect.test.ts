import { test } from "node:test";
import assert from "node:assert/strict";
import { detectDtmfBlock, goertzelPower, InbandDtmfDetector, ToneDetector } from "./tone-detect.js";

function mix(rate: number, ms: number, parts: Array<[number, number]>): Int16Array {
  const n = Math.round((rate * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(parts.reduce((s, [f, a]) => s + a * Math.sin((2 * Math.PI * f * i) / rate), 0));
  return out;
}

test("Goertzel power of a full-scale sine is about 1 and 0 off-frequency", () => {
  const s = mix(8000, 100, [[1000, 32767]]);
  assert.ok(Math.abs(goertzelPower(s, 1000, 8000) - 1) < 0.02);
  assert.ok(goertzelPower(s, 1400, 8000) < 0.001);
});

test("a 1 kHz beep of 400 ms inside speech-like noise is found with its timing", () => {
  const rate = 8000;
  const det = new ToneDetector({ sampleRate: rate, frequencies: [440, 850, 1000, 1400] });
  const noise = Int16Array.from({ length: rate / 2 }, (_, i) => Math.round(3000 * Math.sin(i * 0.37) * Math.sin(i * 0.011) + 2000 * Math.sin(i * 1.3)));
  const beep = mix(rate, 400, [[1000, 12000]]);
  const found = [...det.push(noise), ...det.push(beep), ...det.push(new Int16Array(rate / 4)), ...det.flush()];
  assert.equal(found.length, 1);
  assert.equal(found[0]!.freqHz, 1000);
  assert.ok(Math.abs(found[0]!.startMs - 500) <= 20);
  assert.ok(Math.abs(found[0]!.durationMs - 400) <= 20);
});

test("a short blip is not a beep", () => {
  const det = new ToneDetector({ sampleRate: 8000, frequencies: [1000], minDurationMs: 200 });
  assert.deepEqual([...det.push(mix(8000, 100, [[1000, 12000]])), ...det.flush()], []);
});

test("in-band DTMF: every key's tone pair is recognised once per press", () => {
  const rows = [697, 770, 852, 941];
  const cols = [1209, 1336, 1477, 1633];
  const keys = ["123A", "456B", "789C", "*0#D"];
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      const block = mix(8000, 20, [[rows[r]!, 8000], [cols[c]!, 8000]]);
      assert.equal(detectDtmfBlock(block, 8000), keys[r]![c]);
    }
  }
  const det = new InbandDtmfDetector(8000);
  const seq = [
    mix(8000, 100, [[697, 8000], [1209, 8000]]),
    new Int16Array(400),
    mix(8000, 100, [[941, 8000], [1477, 8000]]),
    new Int16Array(400),
  ];
  assert.deepEqual(seq.flatMap((s) => det.push(s)), ["1", "#"]);
  assert.equal(detectDtmfBlock(mix(8000, 20, [[1000, 8000]]), 8000), null);
});
