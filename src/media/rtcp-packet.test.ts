import { test } from "node:test";
import assert from "node:assert/strict";
import { msToNtp, ntpMiddle32, parseRtcp, serializeRtcp, SDES_CNAME, type RtcpPacket } from "./rtcp-packet.js";

const block = { ssrc: 0x01020304, fractionLost: 25, cumulativeLost: -3, highestSeq: 70000, jitter: 42, lastSr: 0xabcd1234, delaySinceLastSr: 65536 };

test("an SR + SDES + BYE compound round-trips", () => {
  const packets: RtcpPacket[] = [
    { type: "sr", ssrc: 7, ntpSec: 3900000000, ntpFrac: 0x80000000, rtpTimestamp: 123456, packetCount: 250, octetCount: 40000, reports: [block] },
    { type: "sdes", chunks: [{ ssrc: 7, items: [{ type: SDES_CNAME, text: "parley@127.0.0.1" }] }] },
    { type: "bye", ssrcs: [7], reason: "call ended" },
  ];
  const wire = serializeRtcp(packets);
  assert.equal(wire.length % 4, 0);
  assert.equal(wire[1], 200);
  const r = parseRtcp(wire);
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.packets, packets);
});

test("an RR without report blocks and a reasonless BYE round-trip", () => {
  const packets: RtcpPacket[] = [
    { type: "rr", ssrc: 99, reports: [] },
    { type: "sdes", chunks: [{ ssrc: 99, items: [{ type: SDES_CNAME, text: "abc" }] }] },
    { type: "bye", ssrcs: [99, 100], reason: null },
  ];
  const wire = serializeRtcp(packets);
  assert.equal(wire.readUInt16BE(2), 1); // RR with no blocks is 8 bytes = length field 1
  const r = parseRtcp(wire);
  assert.ok(r.ok);
  assert.deepEqual(r.packets, packets);
});

test("malformed compounds give a typed error", () => {
  const good = serializeRtcp([{ type: "rr", ssrc: 1, reports: [block] }]);
  const kinds = [
    parseRtcp(Buffer.alloc(2)),
    parseRtcp(Buffer.from([0x40, 201, 0, 1, 0, 0, 0, 0])),
    parseRtcp(Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 0])),
    parseRtcp(good.subarray(0, good.length - 4)),
    parseRtcp(Buffer.from([0x81, 201, 0, 1, 0, 0, 0, 1])),
  ].map((r) => (r.ok ? "ok" : r.error.kind));
  assert.deepEqual(kinds, ["too-short", "bad-version", "not-rtcp", "bad-length", "bad-body"]);
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.alloc(4 + (i % 60));
    for (let j = 0; j < b.length; j++) b[j] = (i * 13 + j * 29) & 0xff;
    b[0] = 0x80 | (b[0]! & 0x3f);
    b[1] = 200 + (i % 5);
    assert.doesNotThrow(() => parseRtcp(b));
  }
});

test("NTP conversion places the Unix epoch at 2208988800", () => {
  assert.deepEqual(msToNtp(0), { ntpSec: 2208988800, ntpFrac: 0 });
  const t = msToNtp(1500);
  assert.equal(t.ntpSec, 2208988801);
  assert.equal(t.ntpFrac, 0x80000000);
  assert.equal(ntpMiddle32(0x12345678, 0x9abcdef0), 0x56789abc);
});
