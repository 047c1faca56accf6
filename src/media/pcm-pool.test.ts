import { test } from "node:test";
import assert from "node:assert/strict";
import { allocPcm, copyPcm } from "./pcm-pool.js";

test("pooled frames never overlap, start zeroed, and large requests get their own array", () => {
  const frames = Array.from({ length: 200 }, () => allocPcm(160));
  assert.ok(frames.every((f) => f.length === 160 && f.every((v) => v === 0)));
  frames.forEach((f, i) => f.fill(i));
  frames.forEach((f, i) => assert.ok(f.every((v) => v === i), `frame ${i} was overwritten`));
  const big = allocPcm(48000);
  assert.equal(big.length, 48000);
  assert.equal(big.byteOffset, 0);
  const src = Int16Array.from([1, 2, 3]);
  const copy = copyPcm(src);
  src[0] = 9;
  assert.deepEqual([...copy], [1, 2, 3]);
});
