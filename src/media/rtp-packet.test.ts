import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRtp, readRtpHeader, RtpHeaderView, serializeRtp } from "./rtp-packet.js";

test("a plain header round-trips field by field", () => {
  const payload = Buffer.alloc(160, 0xff);
  const wire = serializeRtp({ payloadType: 0, marker: true, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, payload });
  assert.equal(wire.length, 172);
  assert.equal(wire[0], 0x80);
  assert.equal(wire[1], 0x80);
  const r = parseRtp(wire);
  assert.ok(r.ok);
  assert.equal(r.packet.marker, true);
  assert.equal(r.packet.payloadType, 0);
  assert.equal(r.packet.sequenceNumber, 65535);
  assert.equal(r.packet.timestamp, 0xfffffff0);
  assert.equal(r.packet.ssrc, 0xdeadbeef);
  assert.deepEqual(r.packet.csrcs, []);
  assert.equal(r.packet.extension, null);
  assert.deepEqual(r.packet.payload, payload);
});

test("CSRCs, a header extension and padding are parsed and skipped correctly", () => {
  const ext = { profile: 0xbede, data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) };
  const payload = Buffer.from([9, 9, 9]);
  const wire = serializeRtp({ payloadType: 8, sequenceNumber: 7, timestamp: 160, ssrc: 1, csrcs: [11, 22], extension: ext, padTo: 4, payload });
  assert.equal(wire.length % 4, 0);
  assert.equal(wire[0]! & 0x30, 0x30); // P and X set
  assert.equal(wire[0]! & 0x0f, 2);
  const r = parseRtp(wire);
  assert.ok(r.ok);
  assert.deepEqual(r.packet.csrcs, [11, 22]);
  assert.equal(r.packet.extension?.profile, 0xbede);
  assert.deepEqual(r.packet.extension?.data, ext.data);
  assert.equal(r.packet.paddingLength, wire.length - (12 + 8 + 4 + 8 + 3));
  assert.deepEqual(r.packet.payload, payload);
});

test("garbage is rejected with a reason, never an exception", () => {
  const cases: Array<[Buffer, string]> = [
    [Buffer.alloc(5), "too-short"],
    [Buffer.from("hello world, not rtp", "ascii"), "bad-version"],
    [Buffer.from([0x80, 200, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]), "rtcp"],
    [Buffer.from([0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]), "truncated-csrc"],
    [Buffer.from([0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 9]), "truncated-extension"],
    [Buffer.from([0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 200]), "bad-padding"],
    [Buffer.from([0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), "bad-padding"],
  ];
  for (const [buf, kind] of cases) {
    const r = parseRtp(buf);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.kind, kind);
  }
  // Random bytes: whatever the verdict, no throw.
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.alloc(1 + (i % 64));
    for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j * 17) & 0xff;
    b[0] = 0x80 | (b[0]! & 0x3f);
    assert.doesNotThrow(() => parseRtp(b));
  }
});

test("serialize refuses what the header cannot express", () => {
  assert.throws(() => serializeRtp({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrcs: new Array(16).fill(1), payload: Buffer.alloc(0) }), RangeError);
  assert.throws(() => serializeRtp({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, extension: { profile: 1, data: Buffer.alloc(3) }, payload: Buffer.alloc(0) }), RangeError);
});

test("readRtpHeader reads in place what parseRtp builds, and gives the same reasons", () => {
  const view = new RtpHeaderView();
  const ext = { profile: 0xbede, data: Buffer.from([1, 2, 3, 4]) };
  const packets = [
    serializeRtp({ payloadType: 0, marker: true, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, payload: Buffer.alloc(160, 0x7f) }),
    serializeRtp({ payloadType: 8, sequenceNumber: 7, timestamp: 160, ssrc: 1, csrcs: [11, 22], extension: ext, padTo: 4, payload: Buffer.from([9, 9, 9]) }),
  ];
  for (const wire of packets) {
    const r = parseRtp(wire);
    assert.ok(r.ok);
    assert.equal(readRtpHeader(wire, view), null);
    const { marker, payloadType, sequenceNumber, timestamp, ssrc, paddingLength } = view;
    assert.deepEqual({ marker, payloadType, sequenceNumber, timestamp, ssrc, paddingLength }, {
      marker: r.packet.marker,
      payloadType: r.packet.payloadType,
      sequenceNumber: r.packet.sequenceNumber,
      timestamp: r.packet.timestamp,
      ssrc: r.packet.ssrc,
      paddingLength: r.packet.paddingLength,
    });
    assert.equal(view.csrcCount, r.packet.csrcs.length);
    assert.equal(view.extensionStart >= 0, r.packet.extension !== null);
    assert.deepEqual(wire.subarray(view.payloadStart, view.payloadEnd), r.packet.payload);
  }
  const garbage = [Buffer.alloc(4), Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x80, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])];
  for (const g of garbage) {
    const r = parseRtp(g);
    assert.ok(!r.ok);
    assert.deepEqual(readRtpHeader(g, view), r.error);
  }
});
