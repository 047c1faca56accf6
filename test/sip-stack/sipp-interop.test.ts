// Parley's SIP stack against SIPp on loopback: as UAS for SIPp's built-in uac, as UAC towards
// SIPp's built-in uas and a rejecting scenario. SIPp's exit code is the peer's verdict.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSipStack, type SipStack } from "../../src/sip/stack.js";
import { SCENARIOS, freePort, haveSipp, startSipp, within } from "./harness.js";

const SIPP = haveSipp();
const skip = SIPP ? false : "sipp is not installed (apt-get install -y sip-tester)";
const SIPP_IP = "127.0.0.3";

async function answeringStack(transport: "udp" | "tcp"): Promise<{ stack: SipStack; counts: { invite: number; ack: number; bye: number; byeInDialog: number } }> {
  const stack = createSipStack({ host: "127.0.0.1", port: 0, timers: { t1Ms: 100, tryingDelayMs: 0 } });
  await stack.listen();
  const counts = { invite: 0, ack: 0, bye: 0, byeInDialog: 0 };
  stack.onRequest((tx) => {
    const m = tx.request.method;
    if (m === "INVITE") {
      counts.invite++;
      tx.on((e) => { if (e.type === "ack") counts.ack++; });
      tx.respond(180, "Ringing");
      tx.respond(200, "OK", {
        headers: [["Contact", stack.contact(transport)]],
        contentType: "application/sdp",
        body: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0\r\n",
      });
    } else if (m === "BYE") {
      counts.bye++;
      if (tx.dialog !== undefined) counts.byeInDialog++;
      tx.respond(200, "OK");
    } else tx.respond(200, "OK");
  });
  return { stack, counts };
}

for (const transport of ["udp", "tcp"] as const) {
  test(`SIPp uac → Parley answers 200, gets the ACK and the BYE (${transport})`, { skip, timeout: 30_000 }, async () => {
    const { stack, counts } = await answeringStack(transport);
    const port = await freePort(SIPP_IP);
    const addr = stack.addresses[transport]!;
    const calls = 5;
    const sipp = startSipp(["-sn", "uac", `${addr.address}:${addr.port}`, "-i", SIPP_IP, "-p", String(port), "-t", transport === "udp" ? "u1" : "t1",
      "-m", String(calls), "-r", "10", "-d", "100", "-timeout", "15s"]);
    try {
      const r = await within(sipp.exit, 25_000, "SIPp uac to finish");
      assert.equal(r.code, 0, `SIPp uac failed:\n${r.output.slice(-3000)}`);
      assert.equal(counts.invite, calls);
      assert.equal(counts.ack, calls, "every 2xx was ACKed and the ACK reached its INVITE transaction");
      assert.equal(counts.byeInDialog, calls, "every BYE matched its dialog");
      assert.equal(stack.dialogs.size, 0);
    } finally {
      await sipp.stop();
      await stack.close();
    }
  });

  test(`Parley calls SIPp uas: INVITE/180/200/ACK/BYE (${transport})`, { skip, timeout: 30_000 }, async () => {
    const port = await freePort(SIPP_IP);
    const sipp = startSipp(["-sn", "uas", "-i", SIPP_IP, "-p", String(port), "-t", transport === "udp" ? "u1" : "t1", "-m", "1", "-timeout", "15s"]);
    const stack = createSipStack({ host: "127.0.0.1", port: 0, timers: { t1Ms: 100 } });
    await stack.listen();
    try {
      // SIPp needs a moment to bind; the INVITE retransmissions (UDP) or connect retry (TCP) cover it.
      let tx = stack.request(stack.createRequest("INVITE", `sip:service@${SIPP_IP}:${port}${transport === "tcp" ? ";transport=tcp" : ""}`, {
        contactTransport: transport, contentType: "application/sdp",
        body: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 20002 RTP/AVP 0\r\n",
      }));
      let out = await within(tx.outcome, 10_000, "the INVITE outcome");
      for (let i = 0; out.kind === "transport_error" && i < 20; i++) {
        await new Promise((r) => setTimeout(r, 100)); // TCP: SIPp not listening yet
        tx = stack.request(stack.createRequest("INVITE", `sip:service@${SIPP_IP}:${port};transport=tcp`, { contactTransport: transport }));
        out = await within(tx.outcome, 10_000, "the INVITE outcome");
      }
      assert.equal(out.kind, "final", JSON.stringify(out));
      if (out.kind !== "final") return;
      assert.equal(out.response.status, 200);
      assert.equal(out.provisionals.lastStatus, 180);
      const dialog = tx.dialog;
      assert.ok(dialog);
      assert.equal(dialog.remoteTarget.toLowerCase(), `sip:${SIPP_IP}:${port};transport=${transport}`);
      await stack.sendAck(dialog);
      const bye = await within(stack.requestInDialog(dialog, "BYE").outcome, 10_000, "the BYE outcome");
      assert.equal(bye.kind === "final" && bye.response.status, 200);
      const r = await within(sipp.exit, 15_000, "SIPp uas to finish");
      assert.equal(r.code, 0, `SIPp uas failed:\n${r.output.slice(-3000)}`);
    } finally {
      await sipp.stop();
      await stack.close();
    }
  });
}

test("a 486 from SIPp is ACKed by Parley's INVITE transaction (SIPp exits 0 only if the ACK came)", { skip, timeout: 30_000 }, async () => {
  const port = await freePort(SIPP_IP);
  const sipp = startSipp(["-sf", `${SCENARIOS}uas-486.xml`, "-i", SIPP_IP, "-p", String(port), "-t", "u1", "-m", "1", "-timeout", "15s"]);
  const stack = createSipStack({ host: "127.0.0.1", port: 0, timers: { t1Ms: 100 } });
  await stack.listen();
  try {
    const tx = stack.request(stack.createRequest("INVITE", `sip:busy@${SIPP_IP}:${port}`));
    const out = await within(tx.outcome, 10_000, "the INVITE outcome");
    assert.equal(out.kind, "final");
    if (out.kind !== "final") return;
    assert.equal(out.response.status, 486);
    assert.equal(out.response.headers.reason()?.cause, 17);
    assert.equal(out.provisionals.firstStatus, 100);
    assert.equal(out.provisionals.alerted, false);
    const r = await within(sipp.exit, 15_000, "SIPp to see the ACK and finish");
    assert.equal(r.code, 0, `SIPp did not get its ACK:\n${r.output.slice(-3000)}`);
    assert.equal(stack.dialogs.size, 0, "a rejected INVITE leaves no dialog");
  } finally {
    await sipp.stop();
    await stack.close();
  }
});
