import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWav } from "../media/index.js";
import { CallRecorder } from "./call-recorder.js";

const frame = (v: number) => new Int16Array(160).fill(v);

/** The samples of a WAV file the recorder wrote (interleaved when stereo). */
function samplesOf(path: string): Int16Array {
  const w = readWav(readFileSync(path));
  if (!w.ok) throw new Error(w.error);
  return w.wav.samples;
}

/** Runs `body` with a fresh directory, removed afterwards. */
async function inDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "rec-"));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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

test("a track with nothing to say is silent, whatever another call's recording wrote before", () =>
  inDir(async (dir) => {
    const t0 = 2_000_000;
    const loud = await CallRecorder.create(join(dir, "a.wav"), join(dir, "am.wav"), t0);
    for (let i = 0; i < 150; i++) {
      loud.user(frame(1200), t0 + i * 20);
      loud.agent(frame(-1500), t0 + i * 20);
    }
    await loud.close();
    const quiet = await CallRecorder.create(join(dir, "b.wav"), join(dir, "bm.wav"), t0);
    for (let i = 0; i < 150; i++) quiet.user(frame(700), t0 + i * 20); // the agent never speaks
    await quiet.close();
    const agent = samplesOf(join(dir, "b.wav")).filter((_, i) => i % 2 === 1);
    assert.equal(agent.length, 3 * 8000);
    assert.ok(agent.every((v) => v === 0), "the agent channel is all silence");
    assert.ok(samplesOf(join(dir, "bm.wav")).every((v) => v === 700));
  }));

test("frames keep their places over many seconds, across a long gap and a block longer than the buffer", () =>
  inDir(async (dir) => {
    const t0 = 3_000_000;
    const r = await CallRecorder.create(join(dir, "s.wav"), join(dir, "m.wav"), t0);
    for (let k = 0; k < 300; k++) {
      r.user(frame(k + 1), t0 + k * 20); // 0–6 s, every frame its own value
      if (k < 100 || k >= 225) r.agent(frame(-(k + 1)), t0 + k * 20); // silent from 2 s to 4.5 s
    }
    await r.close();
    const s = samplesOf(join(dir, "s.wav"));
    assert.equal(s.length, 2 * 300 * 160);
    for (let i = 0; i < 300 * 160; i++) {
      const k = Math.floor(i / 160);
      const [user, agent] = [s[2 * i], s[2 * i + 1]];
      if (user !== k + 1 || agent !== (k < 100 || k >= 225 ? -(k + 1) : 0)) assert.fail(`sample ${i}: user ${user}, agent ${agent}`);
    }

    const ramp = Int16Array.from({ length: 3 * 8000 }, (_, i) => (i % 20000) - 10000);
    const b = await CallRecorder.create(join(dir, "b.wav"), join(dir, "bm.wav"), t0);
    b.user(frame(5), t0);
    b.user(ramp, t0 + 20); // three seconds at once: more than the recorder holds by default
    await b.close();
    const left = samplesOf(join(dir, "b.wav")).filter((_, i) => i % 2 === 0);
    assert.deepEqual(left, Int16Array.from([...frame(5), ...ramp]));
  }));
