import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { parseTelephoneEvent } from "./dtmf.js";
import { g711Encode } from "./g711.js";
import { Pacer } from "./pacer.js";
import { parseRtcp } from "./rtcp-packet.js";
import { parseRtp, serializeRtp } from "./rtp-packet.js";
import { RtpSession, type CapturedDatagram, type PacketTapEntry, type RtpSessionEvent, type RtpSessionOptions } from "./rtp-session.js";
import { goertzelPower } from "./tone-detect.js";

type EventOf<T extends RtpSessionEvent["type"]> = Extract<RtpSessionEvent, { type: T }>;

/** Resolves with the first event of `type` that satisfies `pred`, or rejects after `ms`. */
function next<T extends RtpSessionEvent["type"]>(s: RtpSession, type: T, pred: (e: EventOf<T>) => boolean = () => true, ms = 10_000): Promise<EventOf<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event within ${ms} ms`));
    }, ms);
    const off = s.on((e) => {
      if (e.type === type && pred(e as EventOf<T>)) {
        clearTimeout(timer);
        off();
        resolve(e as EventOf<T>);
      }
    });
  });
}

/** Rejects if `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

function tone(freq: number, rate: number, ms: number, amp = 10000): Int16Array {
  const n = Math.round((rate * ms) / 1000);
  return Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate)));
}

async function pair(a: Partial<RtpSessionOptions> = {}, b: Partial<RtpSessionOptions> = {}): Promise<[RtpSession, RtpSession]> {
  const pacer = new Pacer();
  const sa = await RtpSession.open({ codec: "PCMU", bind: { address: "127.0.0.1" }, pacer, ...a });
  const sb = await RtpSession.open({ codec: "PCMU", bind: { address: "127.0.0.1" }, pacer, remote: sa.local, ...b });
  if (!a.remote) sa.setRemote(sb.local, sb.localRtcp);
  return [sa, sb];
}

function rawSocket(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.bind(0, "127.0.0.1", () => resolve(s));
  });
}

test("audio crosses between two sessions with first/last packet times and no loss", async () => {
  const [a, b] = await pair({}, { jitterBuffer: { mode: "fixed", depthFrames: 2 } });
  try {
    const first = next(b, "first-packet");
    const received: Int16Array[] = [];
    const gotSecond = new Promise<void>((resolve) => {
      b.on((e) => {
        if (e.type === "audio" && !e.concealed) {
          received.push(e.pcm);
          if (received.length === 50) resolve();
        }
      });
    });
    a.sendAudio(tone(1000, 8000, 1000));
    const fp = await first;
    assert.equal(fp.from.port, a.local.port);
    assert.equal(fp.payloadType, 0);
    await within(gotSecond);
    assert.equal(received.length, 50);
    assert.ok(received.every((f) => f.length === 160));
    const mid = received[25]!;
    assert.ok(goertzelPower(mid, 1000, 8000) > 0.05, "the 1 kHz tone arrived");
    const st = b.stats();
    assert.equal(st.received.lost, 0);
    assert.ok(st.received.packets >= 50);
    assert.ok(st.firstPacketAtMs !== null && st.lastPacketAtMs !== null && st.lastPacketAtMs > st.firstPacketAtMs);
    assert.ok(Math.abs(st.firstPacketAtMs - Date.now()) < 5000, "wall-clock times");
  } finally {
    await a.close();
    await b.close();
  }
});

test("sent packets step the timestamp by 160 per 20 ms frame and set the marker only on the first", async () => {
  const taps: PacketTapEntry[] = [];
  const [a, b] = await pair({ tap: (t) => taps.push(t), rtcp: { enabled: false } });
  try {
    await next(b, "audio", () => b.stats().received.packets >= 20);
    const out = taps.filter((t) => t.direction === "out" && t.protocol === "rtp").map((t) => parseRtp(t.data)).slice(0, 20);
    const pkts = out.map((r) => (r.ok ? r.packet : assert.fail("unparsable packet sent")));
    assert.equal(pkts[0]!.marker, true);
    assert.ok(pkts.slice(1).every((p) => !p.marker));
    for (let i = 1; i < pkts.length; i++) {
      assert.equal(pkts[i]!.sequenceNumber, (pkts[0]!.sequenceNumber + i) & 0xffff);
      // A frame tick the pacer had to skip (a stalled loop) leaves a gap in time, not in sequence.
      const step = (pkts[i]!.timestamp - pkts[i - 1]!.timestamp) >>> 0;
      assert.ok(step >= 160 && step % 160 === 0, `timestamp step ${step}`);
      assert.equal(pkts[i]!.ssrc, a.ssrc);
    }
    assert.ok(taps.every((t) => t.atMs > 1e12));
    assert.ok(taps.some((t) => t.direction === "in"), "the tap sees received packets too");
  } finally {
    await a.close();
    await b.close();
  }
});

test("capture sees every datagram the tap sees, with the session's own parse of each RTP header", async () => {
  const taps: PacketTapEntry[] = [];
  const seen: string[] = [];
  let mismatches = 0;
  const capture = (d: Readonly<CapturedDatagram>) => {
    // Read during the call: the object is refilled for the next datagram.
    const t = taps.at(-1);
    if (!t || t.data !== d.data || t.direction !== d.direction || t.protocol !== d.protocol || t.atMs !== d.atMs || t.remote !== d.remote) mismatches++;
    if (d.protocol === "rtcp") return void seen.push(`${d.direction} rtcp ${d.rtp === null}`);
    const p = parseRtp(d.data);
    const h = d.rtp;
    if (!p.ok || !h) return void seen.push(`${d.direction} unparsed`);
    const same =
      h.payloadType === p.packet.payloadType &&
      h.sequenceNumber === p.packet.sequenceNumber &&
      h.timestamp === p.packet.timestamp &&
      h.ssrc === p.packet.ssrc &&
      h.marker === p.packet.marker &&
      d.data.subarray(h.payloadStart, h.payloadEnd).equals(p.packet.payload);
    seen.push(`${d.direction} rtp ${same}`);
  };
  const [a, b] = await pair({ tap: (t) => taps.push(t), capture, rtcp: { intervalMs: 100 } }, { rtcp: { intervalMs: 100 } });
  try {
    await next(a, "audio", () => a.stats().received.packets >= 10);
    await next(a, "rtcp");
    assert.equal(mismatches, 0);
    assert.equal(seen.length, taps.length);
    assert.ok(seen.includes("in rtp true") && seen.includes("out rtp true") && seen.includes("in rtcp true") && seen.includes("out rtcp true"), [...new Set(seen)].join(", "));
    assert.deepEqual([...new Set(seen)].filter((x) => x.endsWith("false") || x.endsWith("unparsed")), []);
  } finally {
    await a.close();
    await b.close();
  }
});

test("symmetric RTP latches onto where the peer's packets come from", async () => {
  const nowhere = { address: "127.0.0.1", port: 9 };
  const [a, b] = await pair({}, { remote: nowhere });
  const [c, d] = await pair({}, { remote: nowhere, latching: false });
  try {
    const [latchedP, aHearsB, dHearsC] = [next(b, "latched"), next(a, "first-packet"), next(d, "first-packet")];
    const latched = await latchedP;
    assert.deepEqual(latched.remote, a.local);
    assert.deepEqual(latched.previous, nowhere);
    // Having latched, b's audio reaches a.
    await aHearsB;
    assert.deepEqual(b.stats().remote, a.local);
    // Without latching, d keeps sending to the SDP address, so c hears nothing while d hears c.
    await dHearsC;
    assert.deepEqual(d.stats().remote, nowhere);
    assert.equal(c.stats().received.packets, 0);
  } finally {
    await Promise.all([a.close(), b.close(), c.close(), d.close()]);
  }
});

test("RFC 4733 digits are sent as one event and received once", async () => {
  const taps: PacketTapEntry[] = [];
  const [a, b] = await pair({ tap: (t) => taps.push(t) });
  try {
    const got = next(b, "dtmf");
    a.sendDtmf("5", 100);
    const d = await got;
    assert.equal(d.detection.digit, "5");
    assert.equal(d.detection.durationMs, 100);
    assert.equal(d.detection.endLost, false);
    const ev = taps
      .filter((t) => t.direction === "out" && t.protocol === "rtp")
      .map((t) => parseRtp(t.data))
      .flatMap((r) => (r.ok && r.packet.payloadType === 101 ? [r.packet] : []));
    assert.equal(ev.length, 5 + 3);
    assert.equal(ev[0]!.marker, true);
    assert.ok(ev.every((p) => p.timestamp === ev[0]!.timestamp));
    assert.equal(ev.filter((p) => parseTelephoneEvent(p.payload)!.end).length, 3);
    // No second detection arrives for the retransmitted end packets.
    const extra = await next(b, "dtmf", () => true, 300).then(() => true, () => false);
    assert.equal(extra, false);
  } finally {
    await a.close();
    await b.close();
  }
});

test("RTCP sender reports with CNAME flow, and closing sends BYE", async () => {
  let lastTs = 0;
  const tap = (t: PacketTapEntry) => {
    const r = t.direction === "in" && t.protocol === "rtp" ? parseRtp(t.data) : null;
    if (r?.ok) lastTs = r.packet.timestamp;
  };
  const [a, b] = await pair({ rtcp: { intervalMs: 200, cname: "alice@test" } }, { rtcp: { intervalMs: 200 }, tap });
  try {
    const sr = await next(b, "rtcp", (e) => e.packets.some((p) => p.type === "sr"));
    const report = sr.packets.find((p) => p.type === "sr");
    assert.ok(report && report.type === "sr" && report.ssrc === a.ssrc && report.packetCount > 0);
    // The SR's RTP timestamp is the sender's media clock now: within a few frames of its latest packet.
    const skew = ((report.rtpTimestamp - lastTs + 0x80000000) >>> 0) - 0x80000000;
    assert.ok(Math.abs(skew) <= 160 * 5, `SR timestamp ${report.rtpTimestamp} vs last RTP ${lastTs}`);
    const sdes = sr.packets.find((p) => p.type === "sdes");
    assert.ok(sdes && sdes.type === "sdes" && sdes.chunks[0]!.items[0]!.text === "alice@test");
    assert.equal(sr.from.port, a.localRtcp!.port);
    // b's reports carry a block about a's stream.
    const rr = await next(a, "rtcp", (e) => e.packets.some((p) => (p.type === "sr" || p.type === "rr") && p.reports.length > 0));
    const blocks = rr.packets.flatMap((p) => (p.type === "sr" || p.type === "rr" ? p.reports : []));
    assert.equal(blocks[0]!.ssrc, a.ssrc);
    const bye = next(b, "remote-bye");
    await a.close();
    assert.deepEqual((await bye).ssrcs, [a.ssrc]);
  } finally {
    await a.close();
    await b.close();
  }
});

test("rtcp-mux carries reports on the RTP port", async () => {
  const [a, b] = await pair({ rtcp: { mux: true, intervalMs: 200 } }, { rtcp: { mux: true, intervalMs: 200 } });
  try {
    assert.equal(a.localRtcp, null);
    const e = await next(b, "rtcp");
    assert.equal(e.from.port, a.local.port);
  } finally {
    await a.close();
    await b.close();
  }
});

test("garbage datagrams are reported and do not disturb the stream; SSRC changes are noticed", async () => {
  const raw = await rawSocket();
  const s = await RtpSession.open({ codec: "PCMA", bind: { address: "127.0.0.1" }, remote: { address: "127.0.0.1", port: raw.address().port }, pacer: new Pacer() });
  try {
    const invalid = next(s, "invalid-packet");
    raw.send(Buffer.from("definitely not RTP"), s.local.port, "127.0.0.1");
    const inv = await invalid;
    assert.equal(inv.protocol, "rtp");
    const send = (ssrc: number, seq: number) =>
      raw.send(serializeRtp({ payloadType: 8, sequenceNumber: seq, timestamp: seq * 160, ssrc, payload: g711Encode("PCMA", new Int16Array(160)) }), s.local.port, "127.0.0.1");
    const first = next(s, "first-packet");
    send(0xaaaa, 1);
    send(0xaaaa, 2);
    assert.equal((await first).ssrc, 0xaaaa);
    const change = next(s, "ssrc-change");
    send(0xbbbb, 900);
    const c = await change;
    assert.deepEqual([c.previous, c.ssrc], [0xaaaa, 0xbbbb]);
    const badRtcp = next(s, "invalid-packet", (e) => e.protocol === "rtcp");
    raw.send(Buffer.from([0x80, 201, 0, 9, 1, 2]), s.localRtcp!.port, "127.0.0.1");
    await badRtcp;
    assert.ok(s.stats().received.invalid >= 2);
  } finally {
    await s.close();
    raw.close();
  }
});

test("the jitter buffer plays reordered packets in order", async () => {
  const raw = await rawSocket();
  const s = await RtpSession.open({
    codec: "PCMU",
    bind: { address: "127.0.0.1" },
    jitterBuffer: { mode: "fixed", depthFrames: 4 },
    rtcp: { enabled: false },
    whenIdle: "nothing",
    pacer: new Pacer(),
  });
  try {
    const levels: number[] = [];
    const done = new Promise<void>((resolve) => {
      s.on((e) => {
        if (e.type === "audio" && !e.concealed) {
          levels.push(e.pcm[0]!);
          if (levels.length === 6) resolve();
        }
      });
    });
    // Frame k carries the constant value 1000·(k+1); sent in the order 0 2 1 3 5 4.
    for (const k of [0, 2, 1, 3, 5, 4]) {
      const pcm = new Int16Array(160).fill(1000 * (k + 1));
      raw.send(serializeRtp({ payloadType: 0, sequenceNumber: 100 + k, timestamp: k * 160, ssrc: 7, payload: g711Encode("PCMU", pcm) }), s.local.port, "127.0.0.1");
    }
    await within(done);
    const ranks = levels.map((v) => Math.round(v / 1000));
    assert.deepEqual(ranks, [1, 2, 3, 4, 5, 6]);
  } finally {
    await s.close();
    raw.close();
  }
});

test("16 kHz PCM is resampled to and from the 8 kHz wire", async () => {
  const [a, b] = await pair({ pcmRate: 16000 }, { pcmRate: 16000, jitterBuffer: { mode: "fixed", depthFrames: 2 } });
  try {
    const frames: Int16Array[] = [];
    const enough = new Promise<void>((resolve) => {
      b.on((e) => {
        if (e.type === "audio" && !e.concealed) {
          assert.equal(e.sampleRate, 16000);
          frames.push(e.pcm);
          if (frames.length === 30) resolve();
        }
      });
    });
    a.sendAudio(tone(1000, 16000, 800));
    await within(enough);
    assert.ok(frames.every((f) => Math.abs(f.length - 320) <= 1));
    assert.ok(goertzelPower(frames[20]!, 1000, 16000) > 0.05);
  } finally {
    await a.close();
    await b.close();
  }
});

test("RTCP on close goes to the peer's RTCP port and is a valid compound", async () => {
  const raw = await rawSocket();
  const rtcpRaw = await rawSocket();
  const s = await RtpSession.open({
    codec: "PCMU",
    bind: { address: "127.0.0.1" },
    remote: { address: "127.0.0.1", port: raw.address().port },
    remoteRtcp: { address: "127.0.0.1", port: rtcpRaw.address().port },
    pacer: new Pacer(),
  });
  const got = new Promise<Buffer>((resolve) => rtcpRaw.on("message", (m) => resolve(m)));
  await s.close();
  const msg = await within(got, 2000);
  const r = parseRtcp(msg);
  assert.ok(r.ok);
  const expectFirst = s.stats().sent.packets > 0 ? "sr" : "rr";
  assert.deepEqual(r.packets.map((p) => p.type), [expectFirst, "sdes", "bye"]);
  raw.close();
  rtcpRaw.close();
});

/** A pacer the test drives by hand: `tick(n)` runs frame n of every registered stream. */
class ManualPacer extends Pacer {
  private readonly ticks: Array<(n: number, due: number, now: number) => void> = [];
  override add(_intervalMs: number, tick: (n: number, due: number, now: number) => void) {
    this.ticks.push(tick);
    return { startMs: 0, stop: () => {} };
  }
  tick(n: number): void {
    for (const t of this.ticks) t(n, n * 20, n * 20);
  }
}

test("a DTMF digit survives skipped frame ticks: the newest update and all three ends still go out", async () => {
  const raw = await rawSocket();
  const pacer = new ManualPacer();
  const s = await RtpSession.open({ codec: "PCMU", bind: { address: "127.0.0.1" }, remote: { address: "127.0.0.1", port: raw.address().port }, rtcp: { enabled: false }, pacer });
  const got: Buffer[] = [];
  const all = new Promise<void>((resolve) =>
    raw.on("message", (m) => {
      got.push(m);
      if (got.length === 5) resolve();
    }),
  );
  try {
    s.sendDtmf("9", 200); // 10 updates, then 3 ends
    pacer.tick(100); // first update, with M
    pacer.tick(104); // skipped 101-103: only the newest of those updates
    pacer.tick(180); // far past the end: the ends
    await within(all);
    const pkts = got.map((m) => parseRtp(m)).map((r) => (r.ok ? r.packet : assert.fail("bad packet")));
    const evs = pkts.map((p) => parseTelephoneEvent(p.payload)!);
    assert.deepEqual(pkts.map((p) => p.marker), [true, false, false, false, false]);
    assert.ok(pkts.every((p) => p.timestamp === pkts[0]!.timestamp && p.payloadType === 101));
    assert.deepEqual(evs.map((e) => [e.event, e.end, e.duration]), [[9, false, 160], [9, false, 800], [9, true, 1600], [9, true, 1600], [9, true, 1600]]);
  } finally {
    await s.close();
    raw.close();
  }
});

test("a DTMF event whose end packets are all lost is reported once its updates stop", async () => {
  const raw = await rawSocket();
  const s = await RtpSession.open({ codec: "PCMU", bind: { address: "127.0.0.1" }, rtcp: { enabled: false }, whenIdle: "nothing", pacer: new Pacer() });
  try {
    const got = next(s, "dtmf", () => true, 5000);
    for (let i = 0; i < 3; i++) {
      const payload = Buffer.from([3, 10, 0, 0]);
      payload.writeUInt16BE(160 * (i + 1), 2);
      raw.send(serializeRtp({ payloadType: 101, marker: i === 0, sequenceNumber: 10 + i, timestamp: 8000, ssrc: 5, payload }), s.local.port, "127.0.0.1");
    }
    const d = await got;
    assert.equal(d.detection.digit, "3");
    assert.equal(d.detection.endLost, true);
    assert.equal(d.detection.durationMs, 60);
  } finally {
    await s.close();
    raw.close();
  }
});

test("hold: an inactive or recvonly session stops sending but keeps receiving", async () => {
  const [a, b] = await pair();
  try {
    await next(b, "first-packet");
    a.setDirection("recvonly");
    assert.equal(a.stats().direction, "recvonly");
    const before = b.stats().received.packets;
    // a keeps hearing b for 10 more packets while b hears (at most one packet in flight) nothing new.
    const aNow = a.stats().received.packets;
    await next(a, "audio", () => a.stats().received.packets >= aNow + 10);
    assert.ok(b.stats().received.packets - before <= 1, `${b.stats().received.packets - before} packets after hold`);
    a.setDirection("sendrecv");
    const resumed = b.stats().received.packets;
    await next(b, "audio", () => b.stats().received.packets >= resumed + 5);
  } finally {
    await a.close();
    await b.close();
  }
});

test("a peer that switches from PCMU to PCMA is decoded with the law its payload type names", async () => {
  const raw = await rawSocket();
  const s = await RtpSession.open({ codec: "PCMU", bind: { address: "127.0.0.1" }, jitterBuffer: false, rtcp: { enabled: false }, whenIdle: "nothing", pacer: new Pacer() });
  try {
    const frames: number[] = [];
    const two = new Promise<void>((resolve) =>
      s.on((e) => {
        if (e.type === "audio") frames.push(e.pcm[0]!);
        if (frames.length === 2) resolve();
      }),
    );
    const pcm = new Int16Array(160).fill(-5000);
    raw.send(serializeRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 1, payload: g711Encode("PCMU", pcm) }), s.local.port, "127.0.0.1");
    raw.send(serializeRtp({ payloadType: 8, sequenceNumber: 2, timestamp: 160, ssrc: 1, payload: g711Encode("PCMA", pcm) }), s.local.port, "127.0.0.1");
    await within(two);
    assert.ok(frames.every((v) => Math.abs(v + 5000) < 200), `decoded ${frames}`);
  } finally {
    await s.close();
    raw.close();
  }
});

test("the peer's receiver reports give our loss, jitter and round-trip time", async () => {
  const [a, b] = await pair({ rtcp: { intervalMs: 150 } }, { rtcp: { intervalMs: 150 } });
  try {
    await next(a, "rtcp", () => a.stats().remoteReport?.rttMs != null);
    const r = a.stats().remoteReport!;
    assert.ok(r.rttMs! >= 0 && r.rttMs! < 1000, `rtt ${r.rttMs}`);
    assert.equal(r.cumulativeLost, 0);
    assert.ok(r.jitterMs >= 0 && r.jitterMs < 1000);
  } finally {
    await a.close();
    await b.close();
  }
});

test("a listener that throws is reported and does not stop the media clock", async () => {
  const [a, b] = await pair();
  try {
    b.on((e) => {
      if (e.type === "audio") throw new Error("listener bug");
    });
    const reported = await next(b, "listener-error");
    assert.equal(reported.during, "audio");
    assert.match(reported.message, /listener bug/);
    // Errors keep being reported frame after frame while packets keep arriving.
    const n = b.stats().received.packets;
    await next(b, "listener-error", () => b.stats().received.packets >= n + 5);
  } finally {
    await a.close();
    await b.close();
  }
});

test("a wildcard-bound session shows its SDP address as the local side of taps", async () => {
  const taps: PacketTapEntry[] = [];
  const s = await RtpSession.open({ codec: "PCMU", bind: { address: "0.0.0.0" }, sdpAddress: "127.0.0.1", pacer: new Pacer(), rtcp: { enabled: false }, tap: (t) => taps.push(t) });
  const raw = await rawSocket();
  try {
    assert.equal(s.local.address, "127.0.0.1");
    const first = next(s, "first-packet");
    raw.send(serializeRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 3, payload: Buffer.alloc(160, 0xff) }), s.local.port, "127.0.0.1");
    await first;
    assert.deepEqual(taps[0]!.local, { address: "127.0.0.1", port: s.local.port });
  } finally {
    await s.close();
    raw.close();
  }
});

test("a flood of random and half-valid datagrams neither crashes a session nor stops its audio", async () => {
  const [a, b] = await pair({}, { jitterBuffer: { mode: "adaptive" } });
  const raw = await rawSocket();
  try {
    await next(b, "first-packet");
    let x = 12345;
    const rand = () => (x = (x * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      const d = Buffer.alloc(1 + (rand() % 300));
      for (let j = 0; j < d.length; j++) d[j] = rand() & 0xff;
      if (i % 2) d[0] = 0x80 | (d[0]! & 0x3f); // version 2: gets past the first check
      if (i % 7 === 0 && d.length > 1) d[1] = 200 + (rand() % 5); // looks like RTCP
      raw.send(d, i % 3 ? b.local.port : b.localRtcp!.port, "127.0.0.1");
    }
    // Audio from the real peer keeps flowing afterwards.
    const n = b.stats().received.packets;
    await next(b, "audio", (e) => !e.concealed && b.stats().received.packets >= n + 20);
    const st = b.stats();
    assert.ok(st.received.invalid > 0);
    // Valid-looking packets from a stranger's address are dropped: no hijack of the media path.
    assert.ok(st.received.foreign > 0);
    assert.deepEqual(st.remote, a.local);
  } finally {
    await a.close();
    await b.close();
    raw.close();
  }
});

test("strict RTP: a second source is ignored while the first talks, and taken over once it falls silent", async () => {
  const first = await rawSocket();
  const second = await rawSocket();
  const s = await RtpSession.open({ codec: "PCMU", bind: { address: "127.0.0.1" }, rtcp: { enabled: false }, jitterBuffer: false, pacer: new Pacer() });
  const pkt = (ssrc: number, seq: number) => serializeRtp({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc, payload: Buffer.alloc(160, 0xff) });
  let timer: NodeJS.Timeout | undefined;
  try {
    const learnt = next(s, "latched");
    first.send(pkt(1, 1), s.local.port, "127.0.0.1");
    assert.equal((await learnt).remote.port, first.address().port);
    // Interleaved: the first source keeps talking, the second's packets are all dropped.
    const heard = next(s, "audio", () => s.stats().received.foreign >= 5);
    for (let i = 0; i < 5; i++) {
      first.send(pkt(1, 2 + i), s.local.port, "127.0.0.1");
      second.send(pkt(2, 100 + i), s.local.port, "127.0.0.1");
    }
    // Loopback delivers in send order: when this last packet is played, all of the above were seen.
    first.send(pkt(1, 7), s.local.port, "127.0.0.1");
    await heard;
    assert.equal(s.stats().remote!.port, first.address().port);
    // The first source goes quiet; the second keeps sending in sequence and is learnt.
    const moved = next(s, "latched");
    let seq = 200;
    timer = setInterval(() => second.send(pkt(2, seq++), s.local.port, "127.0.0.1"), 50);
    const m = await moved;
    assert.equal(m.remote.port, second.address().port);
    assert.equal(m.previous!.port, first.address().port);
  } finally {
    clearInterval(timer);
    await s.close();
    first.close();
    second.close();
  }
});

test("listeners removed during an event do not get it, and ones added during it do (as a Set walked live)", async () => {
  const s = await RtpSession.open({ codec: "PCMU", bind: { address: "127.0.0.1" }, pacer: new Pacer(), rtcp: { enabled: false } });
  const got: string[] = [];
  let offB = (): void => undefined;
  s.on((e) => {
    if (e.type !== "closed") return;
    got.push("a");
    offB();
    s.on((f) => void got.push(`c:${f.type}`));
  });
  offB = s.on((e) => void got.push(`b:${e.type}`));
  const offD = s.on((e) => void got.push(`d:${e.type}`));
  offD();
  await s.close();
  assert.deepEqual(got, ["a", "c:closed"]);
});
