import { test } from "node:test";
import assert from "node:assert/strict";
import { JitterBuffer, type JitterPopResult } from "./jitter-buffer.js";

function label(r: JitterPopResult<string>): string {
  if (r.kind === "frame") return r.payload;
  if (r.kind === "concealed") return r.mode === "repeat" ? `rep(${r.payload})` : "sil";
  return r.reason;
}

test("reorders packets and waits for its depth before playing", () => {
  const jb = new JitterBuffer<string>({ mode: "fixed", depthFrames: 3 });
  assert.equal(label(jb.pop()), "prebuffering");
  jb.push(11, "b");
  jb.push(10, "a");
  assert.equal(label(jb.pop()), "prebuffering");
  jb.push(12, "c");
  jb.push(13, "d");
  assert.deepEqual([jb.pop(), jb.pop(), jb.pop(), jb.pop()].map(label), ["a", "b", "c", "d"]);
});

test("drops late and duplicate packets", () => {
  const jb = new JitterBuffer<string>({ mode: "fixed", depthFrames: 1 });
  assert.equal(jb.push(1, "a"), "queued");
  assert.equal(jb.push(1, "a"), "duplicate");
  assert.equal(label(jb.pop()), "a");
  assert.equal(jb.push(1, "a"), "late");
  assert.equal(jb.push(0, "z"), "late");
  const s = jb.stats();
  assert.equal(s.late, 2);
  assert.equal(s.duplicates, 1);
});

test("conceals a gap by repeating, then with silence", () => {
  const jb = new JitterBuffer<string>({ mode: "fixed", depthFrames: 2, maxRepeats: 2 });
  jb.push(1, "a");
  jb.push(2, "b");
  assert.deepEqual([jb.pop(), jb.pop()].map(label), ["a", "b"]);
  jb.push(7, "g"); // 3-6 lost
  jb.push(8, "h");
  const out = [jb.pop(), jb.pop(), jb.pop(), jb.pop(), jb.pop(), jb.pop()].map(label);
  assert.deepEqual(out, ["rep(b)", "rep(b)", "sil", "sil", "g", "h"]);
  assert.equal(jb.stats().concealed, 4);
});

test("an empty buffer reports underrun and rebuffers", () => {
  const jb = new JitterBuffer<string>({ mode: "fixed", depthFrames: 2 });
  jb.push(1, "a");
  jb.push(2, "b");
  jb.pop();
  jb.pop();
  assert.equal(label(jb.pop()), "underrun");
  jb.push(3, "c");
  assert.equal(label(jb.pop()), "underrun"); // one frame is below the depth of 2
  jb.push(4, "d");
  assert.deepEqual([jb.pop(), jb.pop()].map(label), ["c", "d"]);
  assert.equal(jb.stats().underruns, 1);
});

test("adaptive depth grows with jitter and stays within bounds", () => {
  const jb = new JitterBuffer<string>({ mode: "adaptive", depthFrames: 2, minFrames: 1, maxFrames: 10 });
  jb.adapt(0);
  assert.equal(jb.stats().targetFrames, 1);
  jb.adapt(30);
  assert.equal(jb.stats().targetFrames, 1 + Math.ceil(90 / 20));
  jb.adapt(1000);
  assert.equal(jb.stats().targetFrames, 10);
  const fixed = new JitterBuffer<string>({ mode: "fixed", depthFrames: 4 });
  fixed.adapt(1000);
  assert.equal(fixed.stats().targetFrames, 4);
});

test("adaptive mode sheds latency when the queue runs far above target", () => {
  const jb = new JitterBuffer<string>({ mode: "adaptive", depthFrames: 2 });
  for (let i = 0; i < 8; i++) jb.push(i, String(i));
  const played = [jb.pop(), jb.pop(), jb.pop(), jb.pop()].map(label);
  assert.ok(jb.stats().dropped > 0);
  assert.notDeepEqual(played, ["0", "1", "2", "3"]);
});

test("a flood beyond twice the maximum depth drops the oldest, and playout goes on after them in order", () => {
  const jb = new JitterBuffer<string>({ mode: "fixed", depthFrames: 2, maxFrames: 3 });
  // Reordered arrivals (inserted in the middle) and more than 2 × 3 queued: 10 and 11 are dropped.
  for (const seq of [10, 12, 11, 14, 13, 16, 15, 17]) assert.equal(jb.push(seq, `p${seq}`), "queued");
  assert.equal(jb.stats().dropped, 2);
  assert.equal(jb.depth, 6);
  assert.deepEqual([jb.pop(), jb.pop(), jb.pop()].map(label), ["p12", "p13", "p14"]);
  assert.equal(jb.push(13, "again"), "late");
  assert.equal(jb.push(16, "again"), "duplicate");
  assert.deepEqual([jb.pop(), jb.pop(), jb.pop(), jb.pop()].map(label), ["p15", "p16", "p17", "underrun"]);
});
