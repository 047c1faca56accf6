import { test } from "node:test";
import assert from "node:assert/strict";
import { ReceiveStats } from "./rtp-receive-stats.js";

test("sequence wrap extends the sequence number and counts no loss", () => {
  const s = new ReceiveStats(1, 8000);
  let seq = 65530;
  for (let i = 0; i < 20; i++) {
    s.update(seq, i * 160, i * 20);
    seq = (seq + 1) & 0xffff;
  }
  const snap = s.snapshot();
  assert.equal(snap.received, 20);
  assert.equal(snap.expected, 20);
  assert.equal(snap.lost, 0);
  assert.equal(snap.extendedHighestSeq, 65536 + 13);
});

test("gaps count as loss and a report block carries the fraction lost", () => {
  const s = new ReceiveStats(5, 8000);
  for (let i = 0; i < 100; i++) {
    if (i % 10 === 3) continue; // lose 10 %
    s.update(1000 + i, i * 160, i * 20);
  }
  const snap = s.snapshot();
  assert.equal(snap.expected, 100);
  assert.equal(snap.lost, 10);
  const rb = s.reportBlock(0, 0);
  assert.equal(rb.cumulativeLost, 10);
  assert.equal(rb.fractionLost, Math.floor((10 * 256) / 100));
  assert.equal(rb.highestSeq, 1099);
  // Nothing new: the next interval reports no loss.
  assert.equal(s.reportBlock(0, 0).fractionLost, 0);
});

test("interarrival jitter follows RFC 3550 A.8", () => {
  const steady = new ReceiveStats(1, 8000);
  for (let i = 0; i < 200; i++) steady.update(i, i * 160, 1000 + i * 20);
  assert.ok(steady.snapshot().jitterMs < 1e-9);
  const jittery = new ReceiveStats(1, 8000);
  // Arrivals alternately 5 ms early and late: |D| is 10 ms each step, so J converges to 10 ms.
  for (let i = 0; i < 400; i++) jittery.update(i, i * 160, 1000 + i * 20 + (i % 2 ? 5 : -5));
  const j = jittery.snapshot();
  assert.ok(Math.abs(j.jitterMs - 10) < 0.05, `jitter ${j.jitterMs}`);
  assert.ok(Math.abs(j.jitterTs - 80) < 0.5);
});

test("duplicates, late packets and a sender restart are told apart", () => {
  const s = new ReceiveStats(1, 8000);
  for (let i = 0; i < 10; i++) s.update(100 + i, i * 160, i * 20);
  assert.equal(s.update(109, 0, 0).kind, "duplicate-or-late");
  assert.equal(s.update(105, 0, 0).kind, "duplicate-or-late");
  assert.equal(s.update(30000, 0, 0).kind, "bad-jump");
  assert.equal(s.update(30001, 0, 0).kind, "restart");
  assert.equal(s.update(30002, 160, 20).kind, "ok");
});

test("track gives update's verdicts without an object: the kind, and the extended sequence number beside it", () => {
  const a = new ReceiveStats(1, 8000);
  const b = new ReceiveStats(1, 8000);
  // In order across a wrap, a duplicate, a late one, a big jump twice (a restart) and on from there.
  const seqs = [65533, 65534, 65535, 0, 1, 1, 65535, 2, 30000, 30001, 30002];
  seqs.forEach((seq, i) => {
    const v = a.update(seq, i * 160, i * 20);
    const kind = b.track(seq, i * 160, i * 20);
    assert.equal(kind, v.kind);
    if (v.kind !== "bad-jump") assert.equal(b.extendedSeq, v.extendedSeq);
  });
  assert.deepEqual(b.snapshot(), a.snapshot());
});
