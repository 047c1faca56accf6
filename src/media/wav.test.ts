import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deinterleave, encodeWav, readWav, WavWriter } from "./wav.js";

test("a streamed stereo WAV has the right header sizes and reads back", async () => {
  const dir = await mkdtemp(join(tmpdir(), "parley-wav-"));
  try {
    const path = join(dir, "rec.wav");
    const w = await WavWriter.create(path, 8000, 2);
    const left = Int16Array.from({ length: 160 }, (_, i) => i * 100 - 8000);
    const right = Int16Array.from({ length: 160 }, (_, i) => -i);
    for (let k = 0; k < 50; k++) w.writeStereo(left, right);
    assert.equal(w.durationMs, 1000);
    await w.close();
    const buf = await readFile(path);
    assert.equal(buf.length, 44 + 50 * 160 * 4);
    assert.equal(buf.readUInt32LE(4), buf.length - 8);
    assert.equal(buf.readUInt32LE(40), 50 * 160 * 4);
    assert.equal(buf.readUInt16LE(22), 2);
    assert.equal(buf.readUInt32LE(28), 8000 * 4);
    const r = readWav(buf);
    assert.ok(r.ok);
    assert.equal(r.wav.channels, 2);
    assert.equal(r.wav.sampleRate, 8000);
    const [l, rr] = deinterleave(r.wav.samples, 2);
    assert.deepEqual(l!.subarray(160, 320), left);
    assert.deepEqual(rr!.subarray(0, 160), right);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("mono in-memory encode reads back, and writes of the wrong shape are refused", async () => {
  const s = Int16Array.from([1, -1, 32767, -32768, 0]);
  const r = readWav(encodeWav(s, 16000));
  assert.ok(r.ok);
  assert.deepEqual(r.wav.samples, s);
  assert.equal(r.wav.sampleRate, 16000);
  const dir = await mkdtemp(join(tmpdir(), "parley-wav-"));
  try {
    const w = await WavWriter.create(join(dir, "x.wav"), 8000, 2);
    assert.throws(() => w.write(new Int16Array(3)), RangeError);
    await w.close();
    assert.throws(() => w.write(new Int16Array(2)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("garbage and unsupported files give an error, not an exception", () => {
  assert.equal(readWav(Buffer.from("not a wav file at all")).ok, false);
  const noData = encodeWav(new Int16Array(4), 8000).subarray(0, 36);
  assert.equal(readWav(noData).ok, false);
  const float = encodeWav(new Int16Array(4), 8000);
  float.writeUInt16LE(3, 20);
  float.writeUInt16LE(32, 34);
  const r = readWav(float);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /unsupported/);
});
