import { test } from "node:test";
import assert from "node:assert/strict";
import { goertzelPower } from "./tone-detect.js";
import { Resampler, resample } from "./resample.js";

function tone(freq: number, rate: number, ms: number, amp = 10000): Int16Array {
  const n = Math.round((rate * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

/** Amplitude of `freq` over the steady middle of the signal. */
function amplitude(s: Int16Array, freq: number, rate: number): number {
  const mid = s.subarray(Math.floor(s.length / 4), Math.floor((3 * s.length) / 4));
  return Math.sqrt(goertzelPower(mid, freq, rate)) * 32768;
}

test("a 3.4 kHz tone survives 8 → 48 → 8 kHz", () => {
  const src = tone(3400, 8000, 500);
  const up = resample(src, 8000, 48000);
  assert.ok(Math.abs(up.length - src.length * 6) <= 6);
  const back = resample(up, 48000, 8000);
  const a = amplitude(back, 3400, 8000);
  assert.ok(a > 10000 * 0.85 && a < 10000 * 1.1, `amplitude ${a.toFixed(0)}`);
  assert.ok(amplitude(up, 3400, 48000) > 8500);
});

test("a 6 kHz tone is attenuated going 16 → 8 kHz (no aliasing to 2 kHz)", () => {
  const out = resample(tone(6000, 16000, 500), 16000, 8000);
  const alias = amplitude(out, 2000, 8000);
  assert.ok(alias < 10000 * 0.01, `alias amplitude ${alias.toFixed(1)}`); // below -40 dB
  // A 1 kHz tone passes the same filter untouched.
  const pass = amplitude(resample(tone(1000, 16000, 500), 16000, 8000), 1000, 8000);
  assert.ok(pass > 9500 && pass < 10500, `passband ${pass}`);
});

test("upsampling 8 → 48 kHz leaves no image above 4 kHz", () => {
  const up = resample(tone(1000, 8000, 500), 8000, 48000);
  const image = amplitude(up, 7000, 48000); // 8 kHz - 1 kHz
  assert.ok(image < 100, `image ${image}`);
});

test("frame-by-frame streaming equals one-shot output", () => {
  for (const [from, to] of [[8000, 16000], [16000, 8000], [24000, 8000], [8000, 48000], [48000, 16000], [16000, 24000]] as const) {
    const src = tone(700, from, 400);
    const whole = resample(src, from, to);
    const r = new Resampler(from, to);
    const parts: number[] = [];
    const frame = from / 50;
    for (let o = 0; o < src.length; o += frame) parts.push(...r.process(src.subarray(o, o + frame)));
    assert.equal(parts.length, whole.length, `${from}->${to}`);
    assert.deepEqual(Int16Array.from(parts), whole);
  }
});

test("bad rates are rejected", () => {
  assert.throws(() => new Resampler(0, 8000), RangeError);
  assert.throws(() => new Resampler(8000.5, 8000), RangeError);
});
