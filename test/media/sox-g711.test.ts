// G.711 and WAV against sox's own conversions (apt-get install -y sox espeak-ng).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { g711Decode, g711Encode } from "../../src/media/g711.js";
import { encodeWav, readWav, WavWriter } from "../../src/media/wav.js";
import { haveTool, run, runWithStderr, scratch } from "./tools.js";
import { rms } from "../../src/media/energy.js";

const sox = haveTool("sox");
const espeak = haveTool("espeak-ng");

/** Speech at 8 kHz PCM16 from espeak-ng via sox, or a synthetic sweep when espeak is missing. */
function speech8k(dir: string): string {
  const out = join(dir, "speech8k.wav");
  if (espeak) {
    run("espeak-ng", ["-v", "en-us", "-w", join(dir, "speech.wav"), "please transfer me to a human agent"]);
    run("sox", [join(dir, "speech.wav"), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", out]);
  } else {
    const s = Int16Array.from({ length: 16000 }, (_, i) => Math.round(20000 * Math.sin(i * (0.01 + i * 0.00002))));
    writeFileSync(out, encodeWav(s, 8000));
  }
  return out;
}

function rawS16(path: string): Int16Array {
  const b = readFileSync(path);
  return Int16Array.from({ length: b.length / 2 }, (_, i) => b.readInt16LE(i * 2));
}

for (const [law, soxEnc] of [["PCMU", "u-law"], ["PCMA", "a-law"]] as const) {
  test(`${law} encode and decode agree with sox byte for byte`, { skip: !sox && "sox not installed" }, () => {
    const { dir, cleanup } = scratch("parley-sox-");
    try {
      const speech = readWav(readFileSync(speech8k(dir)));
      assert.ok(speech.ok);
      assert.equal(speech.wav.sampleRate, 8000);
      assert.ok(speech.wav.samples.length > 8000);
      // Speech, then every 16-bit value once.
      const all = new Int16Array(speech.wav.samples.length + 65536);
      all.set(speech.wav.samples, 0);
      for (let v = -32768; v < 32768; v++) all[speech.wav.samples.length + v + 32768] = v;
      const wavPath = join(dir, "input.wav");
      writeFileSync(wavPath, encodeWav(all, 8000));
      // -D: no dither, so sox's encoder sees exactly our input samples.
      run("sox", ["-D", wavPath, "-t", "raw", "-e", soxEnc, join(dir, "sox.g711")]);
      const soxBytes = readFileSync(join(dir, "sox.g711"));
      const ours = g711Encode(law, all);
      assert.equal(ours.length, soxBytes.length);
      assert.equal(Buffer.compare(ours, soxBytes), 0, "encoded bytes differ from sox");
      run("sox", ["-t", "raw", "-r", "8000", "-c", "1", "-e", soxEnc, join(dir, "sox.g711"), "-t", "raw", "-e", "signed-integer", "-b", "16", join(dir, "sox.s16")]);
      assert.deepEqual(g711Decode(law, soxBytes), rawS16(join(dir, "sox.s16")));
    } finally {
      cleanup();
    }
  });
}

test("sox reads the WAVs we stream, and we read G.711 WAVs sox writes", { skip: !sox && "sox not installed" }, async () => {
  const { dir, cleanup } = scratch("parley-sox-");
  try {
    const path = join(dir, "stereo.wav");
    const w = await WavWriter.create(path, 16000, 2);
    const tone = Int16Array.from({ length: 320 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 500 * i) / 16000)));
    for (let k = 0; k < 100; k++) w.writeStereo(tone, new Int16Array(320));
    await w.close();
    const info = run("soxi", [path]);
    assert.match(info, /Channels\s+:\s+2/);
    assert.match(info, /Sample Rate\s+:\s+16000/);
    assert.match(info, /Duration\s+:\s+00:00:02\.00 = 32000 samples/);
    // sox's own RMS of each channel: the tone's (8000/√2) on the left, silence on the right.
    const left = runWithStderr("sox", [path, "-n", "remix", "1", "stat"]).stderr;
    const right = runWithStderr("sox", [path, "-n", "remix", "2", "stat"]).stderr;
    const rmsOf = (text: string) => Number(/RMS\s+amplitude:\s+([0-9.]+)/.exec(text)?.[1]) * 32768;
    assert.ok(Math.abs(rmsOf(left) - rms(tone)) < 2, `left RMS ${rmsOf(left)} vs ${rms(tone)}`);
    assert.equal(rmsOf(right), 0);
    const ulaw = join(dir, "ulaw.wav");
    run("sox", ["-D", path, "-r", "8000", "-c", "1", "-e", "u-law", ulaw, "remix", "1"]);
    const r = readWav(readFileSync(ulaw));
    assert.ok(r.ok, r.ok ? "" : r.error);
    assert.equal(r.wav.encoding, "mulaw");
    assert.equal(r.wav.sampleRate, 8000);
    assert.equal(r.wav.samples.length, 16000);
  } finally {
    cleanup();
  }
});
