// The PCAP writer checked by our own reader and by tshark (apt-get install -y tshark).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { internetChecksum, PcapWriter, type Endpoint } from "../../src/media/pcap-writer.js";
import { serializeRtp } from "../../src/media/rtp-packet.js";
import { readPcap } from "./pcap-reader.js";
import { sipLadder } from "./sip-ladder.js";
import { haveTool, run, scratch } from "./tools.js";

const caller: Endpoint = { address: "127.0.0.2", port: 5062 };
const callee: Endpoint = { address: "127.0.0.1", port: 5060 };
const callerRtp: Endpoint = { address: "127.0.0.2", port: 30000 };
const calleeRtp: Endpoint = { address: "127.0.0.1", port: 40000 };
const T0 = 1_700_000_000_000;

function rtp(seq: number, ssrc: number): Buffer {
  return serializeRtp({ payloadType: 0, marker: seq === 0, sequenceNumber: 1000 + seq, timestamp: 5000 + 160 * seq, ssrc, payload: Buffer.alloc(160, 0xff) });
}

/** A call capture: SIP over `transport` (TCP messages split in two segments) and 50 RTP packets each way. */
async function writeCall(path: string, transport: "UDP" | "TCP"): Promise<void> {
  const w = await PcapWriter.create(path);
  let t = T0;
  const steps = sipLadder(caller, callee, callerRtp.port, calleeRtp.port, transport);
  const sip = (i: number) => {
    const s = steps[i]!;
    const b = Buffer.from(s.text);
    if (transport === "UDP") w.writeUdp(s.from, s.to, b, (t += 5));
    else {
      const half = Math.floor(b.length / 2);
      w.writeTcp(s.from, s.to, b.subarray(0, half), (t += 5));
      w.writeTcp(s.from, s.to, b.subarray(half), (t += 1));
    }
  };
  sip(0);
  sip(1);
  sip(2);
  for (let i = 0; i < 50; i++) {
    w.writeUdp(callerRtp, calleeRtp, rtp(i, 0x1111), (t += 10));
    w.writeUdp(calleeRtp, callerRtp, rtp(i, 0x2222), (t += 10));
  }
  sip(3);
  sip(4);
  const s = await w.close();
  assert.equal(s.truncated, false);
}

test("records carry Ethernet/IPv4/UDP headers with valid lengths, checksum and µs timestamps", async () => {
  const { dir, cleanup } = scratch("parley-pcap-");
  try {
    const path = join(dir, "a.pcap");
    const w = await PcapWriter.create(path);
    assert.equal(w.writeUdp(callerRtp, calleeRtp, Buffer.from("hello"), T0 + 0.123), true);
    assert.equal(w.writeUdp({ address: "::1", port: 1 }, { address: "::1", port: 2 }, Buffer.from("v6"), T0 + 1), true);
    assert.equal(w.writeTcp(caller, callee, Buffer.from("abc"), T0 + 2), true);
    assert.equal(w.writeTcp(caller, callee, Buffer.from("defg"), T0 + 3), true);
    assert.equal(w.writeTcp(callee, caller, Buffer.from("xy"), T0 + 4), true);
    assert.equal(w.writeTapped({ direction: "in", local: calleeRtp, remote: callerRtp, data: Buffer.from("in"), atMs: T0 + 5 }), true);
    await w.close();
    const f = readPcap(readFileSync(path));
    assert.equal(f.linktype, 1);
    assert.equal(f.packets.length, 6);
    const tapped = f.packets[5]!;
    assert.deepEqual([tapped.src, tapped.srcPort, tapped.dst, tapped.dstPort], [callerRtp.address, callerRtp.port, calleeRtp.address, calleeRtp.port]);
    const [udp, v6, t1, t2, t3] = f.packets;
    assert.equal(udp!.src, "127.0.0.2");
    assert.equal(udp!.dstPort, 40000);
    assert.equal(udp!.payload.toString(), "hello");
    assert.equal(internetChecksum(udp!.ipv4Header!), 0);
    assert.equal(Math.round((udp!.timeMs - T0) * 1000), 123);
    assert.equal(v6!.src, "0:0:0:0:0:0:0:1");
    assert.equal(v6!.payload.toString(), "v6");
    assert.deepEqual([t1!.tcpSeq, t2!.tcpSeq, t3!.tcpSeq], [1, 4, 1]);
    assert.equal(t2!.payload.toString(), "defg");
  } finally {
    cleanup();
  }
});

/** The records of a pcap file as raw frames (after the 16-byte record headers). */
function rawFrames(file: Buffer): Array<{ incl: number; orig: number; frame: Buffer }> {
  const out = [];
  for (let o = 24; o < file.length; ) {
    const incl = file.readUInt32LE(o + 8);
    out.push({ incl, orig: file.readUInt32LE(o + 12), frame: file.subarray(o + 16, o + 16 + incl) });
    o += 16 + incl;
  }
  return out;
}

/** Whether a whole Ethernet/IP/UDP frame's UDP checksum verifies (RFC 768; RFC 8200 §8.1 for IPv6). */
function udpChecksumVerifies(frame: Buffer): boolean {
  const v4 = frame.readUInt16BE(12) === 0x0800;
  const ip = 14;
  const udp = ip + (v4 ? 20 : 40);
  const length = frame.readUInt16BE(udp + 4);
  const addrs = v4 ? frame.subarray(ip + 12, ip + 20) : frame.subarray(ip + 8, ip + 40);
  const lengthAndProto = Buffer.from([0, 0, length >> 8, length & 0xff, 0, 0, 0, 17]);
  return internetChecksum(Buffer.concat([addrs, lengthAndProto, frame.subarray(udp, udp + length)])) === 0;
}

test("UDP checksums verify for IPv4, IPv6 and odd lengths; a snap length cuts the record, not the lengths", async () => {
  const { dir, cleanup } = scratch("parley-pcap-");
  try {
    const path = join(dir, "ck.pcap");
    const w = await PcapWriter.create(path, { snaplen: 120 });
    w.writeUdp(callerRtp, calleeRtp, rtp(1, 7).subarray(0, 60), T0);
    w.writeUdp(callerRtp, calleeRtp, Buffer.from("odd"), T0 + 1);
    w.writeUdp({ address: "2001:db8::1", port: 4000 }, { address: "::ffff:10.0.0.1", port: 5000 }, Buffer.from("v6 to mapped v4"), T0 + 2);
    w.writeUdp({ address: "::ffff:127.0.0.2", port: 4000 }, calleeRtp, Buffer.from("mapped on both ends is IPv4"), T0 + 3);
    w.writeUdp(callerRtp, calleeRtp, rtp(2, 7), T0 + 4);
    await w.close();
    const frames = rawFrames(readFileSync(path));
    assert.equal(frames.length, 5);
    for (const f of frames.slice(0, 4)) {
      assert.equal(f.incl, f.orig);
      assert.ok(udpChecksumVerifies(f.frame), "the UDP checksum verifies");
    }
    assert.deepEqual(
      frames.slice(0, 4).map((f) => f.frame.readUInt16BE(12)),
      [0x0800, 0x0800, 0x86dd, 0x0800],
    );
    const cut = frames[4]!;
    assert.equal(cut.incl, 120);
    assert.equal(cut.orig, 14 + 20 + 8 + 172);
    assert.equal(cut.frame.readUInt16BE(14 + 2), 20 + 8 + 172, "the IP length is the datagram's, not the cut one's");
  } finally {
    cleanup();
  }
});

test("a size cap stops the capture, records a truncation marker and says so", async () => {
  const { dir, cleanup } = scratch("parley-pcap-");
  try {
    const path = join(dir, "cap.pcap");
    const w = await PcapWriter.create(path, { maxBytes: 4000 });
    let written = 0;
    for (let i = 0; i < 100; i++) if (w.writeUdp(callerRtp, calleeRtp, rtp(i, 1))) written++;
    const s = await w.close();
    assert.equal(s.truncated, true);
    assert.equal(s.droppedPackets, 100 - written);
    assert.ok(written > 0 && written < 100);
    assert.ok(statSync(path).size <= 4000);
    const f = readPcap(readFileSync(path));
    assert.equal(f.packets.length, written + 1);
    const marker = f.packets.at(-1)!;
    assert.equal(marker.dstPort, 9);
    assert.match(marker.payload.toString(), /truncated/);
  } finally {
    cleanup();
  }
});

const tshark = haveTool("tshark");

for (const transport of ["UDP", "TCP"] as const) {
  test(`tshark decodes a SIP ladder over ${transport} and the RTP streams its SDP announces`, { skip: !tshark && "tshark not installed" }, async () => {
    const { dir, cleanup } = scratch("parley-pcap-");
    try {
      const path = join(dir, `call-${transport}.pcap`);
      await writeCall(path, transport);
      const sipStat = run("tshark", ["-r", path, "-q", "-z", "sip,stat"]);
      assert.match(sipStat, /Number of SIP messages: 5/);
      assert.match(sipStat, /SIP 200 OK\s+:\s+2 Packets/);
      for (const m of ["INVITE", "ACK", "BYE"]) assert.match(sipStat, new RegExp(`${m}\\s+:\\s+1 Packets`));
      const streams = run("tshark", ["-r", path, "-q", "-z", "rtp,streams"]);
      const rows = streams.split("\n").filter((l) => /g711U/.test(l));
      assert.equal(rows.length, 2, streams);
      for (const row of rows) assert.match(row, /\s50\s+0 \(0\.0%\)/);
      assert.ok(rows.some((r) => /127\.0\.0\.2 30000\s+127\.0\.0\.1 40000/.test(r)));
      assert.equal(run("tshark", ["-r", path, "-Y", "_ws.malformed"]).trim(), "");
      const checks = run("tshark", [
        "-r", path, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
        "-Y", "ip.checksum.status == 0 || udp.checksum.status == 0 || tcp.checksum.status == 0",
      ]);
      assert.equal(checks.trim(), "", "bad checksums");
    } finally {
      cleanup();
    }
  });
}
