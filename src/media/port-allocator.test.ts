import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { parsePortRange, PortAllocator } from "./port-allocator.js";

test("ranges are parsed and trimmed to even/odd pairs", () => {
  assert.deepEqual(parsePortRange("20000-20999"), { ok: true, range: { min: 20000, max: 20999 } });
  assert.deepEqual(parsePortRange("20001-20010"), { ok: true, range: { min: 20002, max: 20009 } });
  for (const bad of ["", "abc", "30000-20000", "80-90", "20000-70000", "20001-20001"]) {
    const r = parsePortRange(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.equal(r.error.kind, "invalid-range");
  }
});

test("allocates even RTP ports with RTCP on the next port, skips busy ones, and reports exhaustion", async () => {
  const base = 41000 + 2 * Math.floor(Math.random() * 2000);
  // Something else already holds the second pair's RTCP port.
  const squatter = createSocket("udp4");
  await new Promise<void>((resolve) => squatter.bind(base + 3, "127.0.0.1", resolve));
  const a = new PortAllocator({ min: base, max: base + 5 }, "127.0.0.1");
  assert.equal(a.capacity, 3);
  const leases = [];
  try {
    const first = await a.allocate();
    assert.ok(first.ok);
    leases.push(first.lease);
    assert.equal(first.lease.rtpPort, base);
    assert.equal(first.lease.rtcpPort, base + 1);
    assert.equal(first.lease.rtpSocket.address().port, base);
    const second = await a.allocate();
    assert.ok(second.ok);
    leases.push(second.lease);
    assert.equal(second.lease.rtpPort, base + 4); // base+2 skipped: its RTCP port is taken
    const third = await a.allocate();
    assert.equal(third.ok, false);
    if (!third.ok) {
      assert.equal(third.error.kind, "exhausted");
      assert.match(third.error.message, /no free RTP port pair/);
    }
    first.lease.release();
    first.lease.release(); // idempotent
    const again = await a.allocate({ rtcpMux: true });
    assert.ok(again.ok);
    leases.push(again.lease);
    assert.equal(again.lease.rtcpSocket, null);
    assert.equal(a.leased, 2);
  } finally {
    for (const l of leases) l.release();
    squatter.close();
  }
});
