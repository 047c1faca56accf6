// SIPp as a real RTP sender: a SIPp UAC calls a tiny SIP answerer in this test whose SDP names a
// live RtpSession's port; after the ACK SIPp plays its bundled g711a.pcap and then an RFC 2833
// digit at that port (apt-get install -y sip-tester).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Pacer } from "../../src/media/pacer.js";
import { RtpSession } from "../../src/media/rtp-session.js";
import { haveTool, scratch } from "./tools.js";

const PCAP = "/usr/share/sip-tester/g711a.pcap";
const DTMF = "/usr/share/sip-tester/dtmf_2833_7.pcap";
const skip = (!haveTool("sipp") || !existsSync(PCAP)) && "sipp (sip-tester) not installed";

const scenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uac_pcap">
  <send retrans="500"><![CDATA[
      INVITE sip:media@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:media@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000

  ]]></send>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
      ACK sip:media@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:media@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <nop><action><exec play_pcap_audio="${PCAP}"/></action></nop>
  <pause milliseconds="4500"/>
  <nop><action><exec play_pcap_audio="${DTMF}"/></action></nop>
  <pause milliseconds="1000"/>
  <send retrans="500"><![CDATA[
      BYE sip:media@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:media@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv response="200"/>
</scenario>
`;

/** Answers INVITE with 200 OK + SDP for `rtpPort`, and BYE with 200 OK; copies the dialog headers. */
function answerer(rtpPort: number) {
  const sock = createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    const text = msg.toString("utf8");
    const method = /^(\w+) /.exec(text)?.[1];
    if (method !== "INVITE" && method !== "BYE") return;
    const headers = text.split("\r\n").filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
    const withTag = headers.map((h) => (/^To:/i.test(h) && !/;tag=/.test(h) ? `${h};tag=media1` : h));
    const body = method === "INVITE" ? ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0", `m=audio ${rtpPort} RTP/AVP 8 101`, "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", ""].join("\r\n") : "";
    const lines = ["SIP/2.0 200 OK", ...withTag, `Contact: <sip:media@127.0.0.1:${sock.address().port}>`];
    if (body) lines.push("Content-Type: application/sdp");
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`, "", body);
    sock.send(lines.join("\r\n"), rinfo.port, rinfo.address);
  });
  return new Promise<typeof sock>((resolve) => sock.bind(0, "127.0.0.1", () => resolve(sock)));
}

test("RTP and a 2833 digit played by SIPp reach an RtpSession: audio decoded, digit once, no loss", { skip, timeout: 30_000 }, async () => {
  const { dir, cleanup } = scratch("parley-sipp-");
  const session = await RtpSession.open({ codec: "PCMA", bind: { address: "127.0.0.1" }, jitterBuffer: false, whenIdle: "nothing", pacer: new Pacer() });
  const sip = await answerer(session.local.port);
  const digits: string[] = [];
  let loud = 0;
  session.on((e) => {
    if (e.type === "dtmf" && e.detection.digit) digits.push(e.detection.digit);
    if (e.type === "audio" && e.pcm.some((v) => Math.abs(v) > 300)) loud++;
  });
  let sipp: ReturnType<typeof spawn> | null = null;
  try {
    const xml = join(dir, "uac_pcap.xml");
    writeFileSync(xml, scenario);
    sipp = spawn("sipp", ["-sf", xml, `127.0.0.1:${sip.address().port}`, "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", "0", "-m", "1", "-timeout", "20s", "-nostdin", "-trace_err"], { cwd: dir, stdio: "ignore" });
    const proc = sipp;
    const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
    assert.equal(code, 0, "SIPp reports the call as successful");
    const st = session.stats();
    assert.ok(st.received.packets >= 130, `${st.received.packets} RTP packets`);
    assert.equal(st.received.lost, 0);
    assert.equal(st.received.invalid, 0);
    assert.ok(loud > 50, `${loud} audible frames`);
    assert.deepEqual(digits, ["7"]);
    assert.ok(st.firstPacketAtMs !== null && st.lastPacketAtMs! - st.firstPacketAtMs >= 3500, "packets spread over the pcap's 4 s");
  } finally {
    if (sipp && sipp.exitCode === null && sipp.pid !== undefined) process.kill(sipp.pid); // never leave SIPp running
    sip.close();
    await session.close();
    cleanup();
  }
});
