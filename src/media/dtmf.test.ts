import { test } from "node:test";
import assert from "node:assert/strict";
import { DtmfReceiver, parseTelephoneEvent, planDtmf, serializeTelephoneEvent } from "./dtmf.js";

test("telephone-event payload round-trips", () => {
  const e = { event: 11, end: true, volume: 10, duration: 1280 };
  const b = serializeTelephoneEvent(e);
  assert.deepEqual([...b], [11, 0x8a, 0x05, 0x00]);
  assert.deepEqual(parseTelephoneEvent(b), e);
  assert.equal(parseTelephoneEvent(Buffer.from([1, 2])), null);
});

test("the send plan starts with M, grows duration and sends the end three times", () => {
  const plan = planDtmf("5", { durationMs: 100 });
  assert.equal(plan.length, 5 + 3);
  assert.equal(plan[0]!.marker, true);
  assert.ok(plan.slice(1).every((p) => !p.marker));
  const events = plan.map((p) => parseTelephoneEvent(p.payload)!);
  assert.deepEqual(events.slice(0, 5).map((e) => e.duration), [160, 320, 480, 640, 800]);
  assert.ok(events.slice(0, 5).every((e) => !e.end && e.event === 5));
  assert.ok(events.slice(5).every((e) => e.end && e.duration === 800));
  assert.deepEqual(plan.slice(5).map((p) => p.frame), [5, 5, 5]);
});

test("the receiver reports one digit per event despite retransmitted ends", () => {
  const rx = new DtmfReceiver();
  const out = [];
  for (const [i, digit] of (["1", "#"] as const).entries()) {
    for (const p of planDtmf(digit, { durationMs: 80 })) out.push(...rx.receive(42, 1000 + i * 5000, p.payload));
  }
  assert.deepEqual(out.map((d) => [d.digit, d.durationMs, d.endLost]), [["1", 80, false], ["#", 80, false]]);
  assert.deepEqual(rx.flush(), []);
});

test("a lost end is recovered when the next event starts, or on flush", () => {
  const rx = new DtmfReceiver();
  const start = planDtmf("7", { durationMs: 60 }).filter((p) => !parseTelephoneEvent(p.payload)!.end);
  const got = start.flatMap((p) => rx.receive(1, 160, p.payload));
  assert.deepEqual(got, []);
  const next = rx.receive(1, 4000, planDtmf("9")[0]!.payload);
  assert.equal(next.length, 1);
  assert.equal(next[0]!.digit, "7");
  assert.equal(next[0]!.endLost, true);
  const flushed = rx.flush();
  assert.equal(flushed[0]!.digit, "9");
});
