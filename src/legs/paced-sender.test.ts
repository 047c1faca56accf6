import { test } from "node:test";
import assert from "node:assert/strict";
import { Pacer } from "../media/index.js";
import { FrameChunker } from "./frame-chunker.js";
import { PacedSender } from "./paced-sender.js";

test("queued audio goes out as 20 ms frames, then idle fires once; clear drops the rest", async () => {
  const frames: number[] = [];
  let idle = 0;
  const done = new Promise<void>((resolve) => {
    const s = new PacedSender(8000, (f) => frames.push(f.length), () => {
      idle++;
      resolve();
    }, new Pacer());
    s.push(new Int16Array(400));
    s.push(new Int16Array(100));
    assert.equal(s.queuedMs, 62.5);
  });
  await done;
  assert.deepEqual(frames, [160, 160, 160, 20]);
  assert.equal(idle, 1);
  const s2 = new PacedSender(8000, () => assert.fail("nothing may be sent after clear"), () => assert.fail("no idle after clear"), new Pacer());
  s2.push(new Int16Array(8000));
  assert.equal(s2.clear(), 1000);
  assert.equal(s2.queuedMs, 0);
});

test("the chunker re-cuts arbitrary chunks into whole frames", () => {
  const c = new FrameChunker(4);
  assert.equal(c.push(Int16Array.from([1, 2, 3])).length, 0);
  const out = c.push(Int16Array.from([4, 5, 6, 7, 8, 9]));
  assert.deepEqual(out.map((f) => [...f]), [[1, 2, 3, 4], [5, 6, 7, 8]]);
});
