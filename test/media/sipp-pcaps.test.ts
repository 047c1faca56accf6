// Real RTP captured by others: SIPp's bundled g711a.pcap and RFC 2833 DTMF pcaps
// (apt-get install -y sip-tester) fed to our RTP, G.711 and DTMF parsers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { DtmfReceiver, type DtmfDetection } from "../../src/media/dtmf.js";
import { rms } from "../../src/media/energy.js";
import { g711Decode } from "../../src/media/g711.js";
import { ReceiveStats } from "../../src/media/rtp-receive-stats.js";
import { parseRtp } from "../../src/media/rtp-packet.js";
import { readPcap } from "./pcap-reader.js";
import { haveTool, run } from "./tools.js";

const DIR = "/usr/share/sip-tester";
const have = existsSync(`${DIR}/g711a.pcap`);
const skip = !have && "sip-tester pcaps not installed";

test("g711a.pcap: every packet parses as PCMA with a continuous sequence, matching tshark", { skip }, () => {
  const path = `${DIR}/g711a.pcap`;
  const f = readPcap(readFileSync(path));
  const udp = f.packets.filter((p) => p.protocol === "udp");
  assert.ok(udp.length > 100);
  const stats = new ReceiveStats(0, 8000);
  const seqs: number[] = [];
  const pcm: Int16Array[] = [];
  let ssrc: number | null = null;
  for (const p of udp) {
    const r = parseRtp(p.payload);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.packet.payloadType, 8);
    ssrc ??= r.packet.ssrc;
    assert.equal(r.packet.ssrc, ssrc);
    seqs.push(r.packet.sequenceNumber);
    stats.update(r.packet.sequenceNumber, r.packet.timestamp, p.timeMs);
    pcm.push(g711Decode("PCMA", r.packet.payload));
  }
  const s = stats.snapshot();
  assert.equal(s.lost, 0);
  assert.equal(s.expected, udp.length);
  assert.ok(s.jitterMs < 30, `jitter ${s.jitterMs}`);
  const total = pcm.reduce((n, x) => n + x.length, 0);
  const all = new Int16Array(total);
  pcm.reduce((o, x) => (all.set(x, o), o + x.length), 0);
  assert.ok(rms(all) > 100, "the capture carries audio, not silence");
  if (haveTool("tshark")) {
    const out = run("tshark", ["-r", path, "-d", "udp.port==0-65535,rtp", "-T", "fields", "-e", "rtp.p_type", "-e", "rtp.seq"]);
    const theirs = out.trim().split("\n").map((l) => l.split("\t"));
    assert.deepEqual(theirs.map((x) => Number(x[1])), seqs);
    assert.ok(theirs.every((x) => x[0] === "8"));
  }
});

const names: Array<[string, string]> = [..."0123456789"].map((d) => [d, d]);
names.push(["star", "*"], ["pound", "#"]);

test("dtmf_2833_*.pcap: each capture yields exactly its one digit despite the repeated end packets", { skip }, () => {
  for (const [name, digit] of names) {
    const f = readPcap(readFileSync(`${DIR}/dtmf_2833_${name}.pcap`));
    const rx = new DtmfReceiver(8000);
    const found: DtmfDetection[] = [];
    let events = 0;
    for (const p of f.packets) {
      if (p.protocol !== "udp") continue;
      const r = parseRtp(p.payload);
      if (!r.ok || r.packet.payloadType !== 101) continue;
      events++;
      found.push(...rx.receive(r.packet.ssrc, r.packet.timestamp, r.packet.payload));
    }
    found.push(...rx.flush());
    assert.ok(events >= 4, `${name}: ${events} telephone-event packets`);
    assert.equal(found.length, 1, `${name}: ${JSON.stringify(found)}`);
    assert.equal(found[0]!.digit, digit);
    assert.equal(found[0]!.endLost, false);
    assert.ok(found[0]!.durationMs >= 40 && found[0]!.durationMs <= 2000, `${name}: ${found[0]!.durationMs} ms`);
  }
});
