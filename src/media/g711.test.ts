import { test } from "node:test";
import assert from "node:assert/strict";
import { aLawDecode, aLawEncode, g711Decode, g711Encode, muLawDecode, muLawEncode } from "./g711.js";

test("μ-law matches the G.711 reference values", () => {
  assert.equal(muLawEncode(0), 0xff);
  assert.equal(muLawDecode(0xff), 0);
  assert.equal(muLawDecode(0x7f), 0);
  assert.equal(muLawDecode(0x00), -32124);
  assert.equal(muLawDecode(0x80), 32124);
  assert.equal(muLawEncode(32767), 0x80);
  assert.equal(muLawEncode(-32768), 0x00);
  assert.equal(muLawEncode(1000), 0xce);
  assert.equal(muLawDecode(0xce), 988);
  assert.equal(muLawEncode(-1000), 0x4e);
});

test("A-law matches the G.711 reference values", () => {
  assert.equal(aLawEncode(0), 0xd5);
  assert.equal(aLawDecode(0xd5), 8);
  assert.equal(aLawDecode(0x55), -8);
  assert.equal(aLawDecode(0xaa), 32256);
  assert.equal(aLawDecode(0x2a), -32256);
  assert.equal(aLawEncode(32767), 0xaa);
  assert.equal(aLawEncode(-32768), 0x2a);
  assert.equal(aLawEncode(1000), 0xfa);
  assert.equal(aLawDecode(0xfa), 1008);
});

test("every code word survives decode then encode", () => {
  for (let b = 0; b < 256; b++) {
    assert.equal(aLawEncode(aLawDecode(b)), b, `A-law 0x${b.toString(16)}`);
    // μ-law has two zeros (0x7f and 0xff); the encoder picks 0xff.
    if (b !== 0x7f) assert.equal(muLawEncode(muLawDecode(b)), b, `μ-law 0x${b.toString(16)}`);
  }
});

test("every sample is coded to one of the two levels around it", () => {
  for (const [name, enc, dec] of [["μ-law", muLawEncode, muLawDecode], ["A-law", aLawEncode, aLawDecode]] as const) {
    const levels = [...new Set(Array.from({ length: 256 }, (_, b) => dec(b)))].sort((x, y) => x - y);
    for (let s = -32768; s <= 32767; s++) {
      const got = dec(enc(s));
      let i = 0;
      while (i < levels.length - 1 && (levels[i + 1] as number) <= s) i++;
      const lo = levels[i] as number;
      const hi = levels[Math.min(i + 1, levels.length - 1)] as number;
      // Beyond the outermost level the code clips to it; inside, it picks a neighbour.
      const ok = s <= (levels[0] as number) ? got === levels[0] : s >= (levels.at(-1) as number) ? got === levels.at(-1) : got === lo || got === hi;
      assert.ok(ok, `${name} ${s} -> ${got} (neighbours ${lo}, ${hi})`);
    }
  }
});

test("buffer codecs agree with the sample functions and round-trip a sine", () => {
  const pcm = new Int16Array(800);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  for (const law of ["PCMU", "PCMA"] as const) {
    const enc = g711Encode(law, pcm);
    assert.equal(enc.length, pcm.length);
    assert.equal(enc[17], law === "PCMU" ? muLawEncode(pcm[17] as number) : aLawEncode(pcm[17] as number));
    const dec = g711Decode(law, enc);
    let num = 0;
    let den = 0;
    for (let i = 0; i < pcm.length; i++) {
      num += ((dec[i] as number) - (pcm[i] as number)) ** 2;
      den += (pcm[i] as number) ** 2;
    }
    const snr = 10 * Math.log10(den / num);
    assert.ok(snr > 30, `${law} SNR ${snr.toFixed(1)} dB`);
  }
});
