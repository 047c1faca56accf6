// Live RtpSessions on loopback: their tap recorded by the PcapWriter and read back by tshark, and
// SIPp's captured RTP (PCMA audio, RFC 2833 digits) replayed over UDP into a session.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Pacer } from "../../src/media/pacer.js";
import { PcapWriter } from "../../src/media/pcap-writer.js";
import { RtpSession, type PacketTapEntry, type RtpSessionEvent } from "../../src/media/rtp-session.js";
import { readPcap } from "./pcap-reader.js";
import { sipLadder } from "./sip-ladder.js";
import { haveTool, run, scratch } from "./tools.js";

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

function until(s: RtpSession, pred: (e: RtpSessionEvent) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const off = s.on((e) => {
      if (pred(e)) {
        off();
        resolve();
      }
    });
  });
}

test("a call's RTP and RTCP, tapped into a PCAP, are decoded by tshark as two loss-free streams", { skip: !haveTool("tshark") && "tshark not installed" }, async () => {
  const { dir, cleanup } = scratch("parley-cap-");
  const path = join(dir, "call.pcap");
  const pcap = await PcapWriter.create(path);
  const tap = (t: PacketTapEntry) => {
    // Both ends are ours: record only what each side sends, so every packet appears once.
    if (t.direction === "out") pcap.writeTapped(t);
  };
  const pacer = new Pacer();
  const a = await RtpSession.open({ codec: "PCMA", bind: { address: "127.0.0.1" }, pacer, tap, rtcp: { intervalMs: 300 } });
  const b = await RtpSession.open({ codec: "PCMA", bind: { address: "127.0.0.2" }, pacer, tap, remote: a.local, rtcp: { intervalMs: 300 } });
  try {
    // SDP in the capture tells tshark which ports carry RTP (and RTCP on port + 1 or a=rtcp).
    const steps = sipLadder({ address: "127.0.0.1", port: 5060 }, { address: "127.0.0.2", port: 5060 }, a.local.port, b.local.port, "UDP");
    const t0 = Date.now() - 100;
    pcap.writeUdp(steps[0]!.from, steps[0]!.to, Buffer.from(steps[0]!.text.replace(/m=audio (\d+) RTP\/AVP 0 101/, `m=audio $1 RTP/AVP 8 101\r\na=rtcp:${a.localRtcp!.port}`)), t0);
    pcap.writeUdp(steps[1]!.from, steps[1]!.to, Buffer.from(steps[1]!.text.replace(/m=audio (\d+) RTP\/AVP 0 101/, `m=audio $1 RTP/AVP 8 101\r\na=rtcp:${b.localRtcp!.port}`)), t0 + 1);
    a.setRemote(b.local, b.localRtcp);
    b.setRemote(a.local, a.localRtcp);
    const rtcpSeen = Promise.all([until(a, (e) => e.type === "rtcp"), until(b, (e) => e.type === "rtcp")]);
    const enough = Promise.all([until(a, () => a.stats().received.packets >= 40), until(b, () => b.stats().received.packets >= 40)]);
    await within(Promise.all([rtcpSeen, enough]), 5000, "RTP and RTCP both ways");
  } finally {
    await a.close();
    await b.close();
  }
  const summary = await pcap.close();
  try {
    assert.equal(summary.truncated, false);
    const streams = run("tshark", ["-r", path, "-q", "-z", "rtp,streams"]);
    const rows = streams.split("\n").filter((l) => /g711A/.test(l));
    assert.equal(rows.length, 2, streams);
    for (const r of rows) {
      const m = /\s(\d+)\s+(-?\d+) \(/.exec(r);
      assert.ok(m && Number(m[1]) >= 40 && Number(m[2]) === 0, r);
    }
    const rtcp = run("tshark", ["-r", path, "-Y", "rtcp.pt == 200 || rtcp.pt == 201", "-T", "fields", "-e", "rtcp.pt"]);
    assert.ok(rtcp.trim().split("\n").filter(Boolean).length >= 2, `RTCP reports decoded: ${rtcp}`);
    const byes = run("tshark", ["-r", path, "-Y", "rtcp.pt == 203", "-T", "fields", "-e", "rtcp.pt"]);
    assert.equal(byes.trim().split("\n").filter(Boolean).length, 2);
    assert.equal(run("tshark", ["-r", path, "-Y", "_ws.malformed || _ws.expert.severity == error"]).trim(), "");
  } finally {
    cleanup();
  }
});

const sippDir = "/usr/share/sip-tester";

function rawSocket(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.bind(0, "127.0.0.1", () => resolve(s));
  });
}

test("SIPp's captured PCMA audio and a 2833 digit, replayed over UDP, reach a live session", { skip: !existsSync(`${sippDir}/g711a.pcap`) && "sip-tester not installed" }, async () => {
  const audio = readPcap(readFileSync(`${sippDir}/g711a.pcap`)).packets.filter((p) => p.protocol === "udp").slice(0, 40);
  const digit = readPcap(readFileSync(`${sippDir}/dtmf_2833_pound.pcap`)).packets.filter((p) => p.protocol === "udp");
  const raw = await rawSocket();
  const s = await RtpSession.open({ codec: "PCMA", bind: { address: "127.0.0.1" }, jitterBuffer: false, rtcp: { enabled: false }, whenIdle: "nothing", pacer: new Pacer() });
  try {
    let loudFrames = 0;
    let frames = 0;
    const digits: string[] = [];
    s.on((e) => {
      if (e.type === "audio") frames++;
      if (e.type === "audio" && e.pcm.some((v) => Math.abs(v) > 200)) loudFrames++;
      if (e.type === "dtmf" && e.detection.digit) digits.push(e.detection.digit);
    });
    const gotDigit = until(s, (e) => e.type === "dtmf");
    const gotAudio = until(s, () => s.stats().received.packets >= audio.length);
    for (const p of audio) raw.send(p.payload, s.local.port, "127.0.0.1");
    await within(gotAudio, 3000, "audio packets");
    for (const p of digit) raw.send(p.payload, s.local.port, "127.0.0.1");
    await within(gotDigit, 3000, "DTMF event");
    assert.equal(frames, audio.length, "one decoded frame per packet");
    assert.ok(loudFrames >= 10, `${loudFrames} frames carried audio`);
    assert.deepEqual(digits, ["#"]);
    const st = s.stats();
    assert.equal(st.received.invalid, 0);
    assert.ok(st.firstPacketAtMs !== null);
  } finally {
    await s.close();
    raw.close();
  }
});
