import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { g711Encode, readRtpHeader, RtpHeaderView, serializeRtp, type CapturedDatagram, type PacketTapEntry } from "../media/index.js";
import { CallEvidence } from "./call-evidence.js";

const T0 = 1_700_000_000_000;
const local = { address: "127.0.0.1", port: 4000 };
const remote = { address: "127.0.0.1", port: 5000 };

/** A second of both directions' RTP (μ-law and A-law, one with padding), an RTCP-looking datagram and a DTMF packet. */
function datagrams(): PacketTapEntry[] {
  const out: PacketTapEntry[] = [];
  for (let i = 0; i < 50; i++) {
    const pcm = Int16Array.from({ length: 160 }, (_, k) => Math.round(6000 * Math.sin((i * 160 + k) / 7)));
    const law = i % 2 === 0 ? "PCMU" : "PCMA";
    const pt = law === "PCMU" ? 0 : 8;
    const payload = g711Encode(law, pcm);
    const atMs = T0 + i * 20;
    out.push({ direction: "in", protocol: "rtp", local, remote, data: serializeRtp({ payloadType: pt, sequenceNumber: i, timestamp: i * 160, ssrc: 7, padTo: i % 3 === 0 ? 8 : 0, payload }), atMs });
    out.push({ direction: "out", protocol: "rtp", local, remote, data: serializeRtp({ payloadType: 0, sequenceNumber: i, timestamp: i * 160, ssrc: 9, payload: g711Encode("PCMU", pcm) }), atMs: atMs + 1 });
  }
  out.push({ direction: "in", protocol: "rtp", local, remote, data: serializeRtp({ payloadType: 101, sequenceNumber: 50, timestamp: 8000, ssrc: 7, payload: Buffer.from([1, 0x8a, 0, 160]) }), atMs: T0 + 1000 });
  out.push({ direction: "in", protocol: "rtcp", local, remote, data: Buffer.from([0x81, 201, 0, 1, 0, 0, 0, 7]), atMs: T0 + 1001 });
  out.push({ direction: "in", protocol: "rtp", local, remote, data: Buffer.from([0x80, 0, 1]), atMs: T0 + 1002 });
  return out;
}

test("a session's captured datagrams (header already read) give the same PCAP and recordings as plain tap entries", async () => {
  const dir = mkdtempSync(join(tmpdir(), "evidence-"));
  try {
    const plain = await CallEvidence.open(dir, "plain", "everything", T0);
    const captured = await CallEvidence.open(dir, "captured", "everything", T0);
    // One reused object, as RtpSession hands it on.
    const view = new RtpHeaderView();
    const c: CapturedDatagram = { direction: "in", protocol: "rtp", local, remote, data: Buffer.alloc(0), atMs: 0, rtp: null };
    for (const t of datagrams()) {
      plain.rtp(t);
      Object.assign(c, t, { rtp: t.protocol === "rtp" && readRtpHeader(t.data, view) === null ? view : null });
      captured.rtp(c);
    }
    await Promise.all([plain.close(), captured.close()]);
    for (const file of ["capture.pcap", "recording.wav", "recording-multichannel.wav"]) {
      const a = readFileSync(join(dir, "calls", "plain", file));
      const b = readFileSync(join(dir, "calls", "captured", file));
      assert.ok(a.length > 1000, `${file} has content`);
      assert.ok(a.equals(b), `${file} differs`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
