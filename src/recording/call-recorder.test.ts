import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWav } from "../media/index.js";
import { CallRecorder } from "./call-recorder.js";

const frame = (v: number) => new Int16Array(160).fill(v);

test("user and agent land on their channels at their times; the mix holds both", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rec-"));
  try {
    const t0 = 1_000_000;
    const r = await CallRecorder.create(join(dir, "s.wav"), join(dir, "m.wav"), t0);
    for (let i = 0; i < 100; i++) r.user(frame(1000), t0 + i * 20); // 0–2 s: the caller speaks
    for (let i = 0; i < 50; i++) r.agent(frame(-2000), t0 + 3000 + i * 20); // 3–4 s: the agent answers
    await r.close();
    const s = readWav(readFileSync(join(dir, "s.wav")));
    assert.ok(s.ok);
    if (!s.ok) return;
    assert.equal(s.wav.channels, 2);
    assert.equal(s.wav.sampleRate, 8000);
    const at = (sec: number, ch: number) => s.wav.samples[Math.round(sec * 8000) * 2 + ch];
    assert.equal(at(1, 0), 1000);
    assert.equal(at(1, 1), 0);
    assert.equal(at(2.5, 0), 0, "the gap stays silent");
    assert.equal(at(3.5, 1), -2000);
    assert.equal(at(3.5, 0), 0);
    assert.equal(s.wav.samples.length / 2, 4 * 8000);
    const m = readWav(readFileSync(join(dir, "m.wav")));
    assert.ok(m.ok && m.wav.channels === 1 && m.wav.samples[8000] === 1000 && m.wav.samples[Math.round(3.5 * 8000)] === -2000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
