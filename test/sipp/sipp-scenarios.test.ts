/**
 * Smoke test of the SIPp scenarios and test/helpers/sipp.ts, with the `sip` npm package as the
 * other side (UAC on 127.0.0.2, spec/tooling.md recipe 5): each UAS scenario answers what it
 * promises, and the UAC scenarios pass and fail as they should. The real responses are also fed
 * to classifyFinalResponse, so the classification is checked on what SIPp actually puts on the wire.
 * Needs `sipp` (Debian package sip-tester).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { classifyFinalResponse } from "../../src/telephony/sip-outcome.js";
import { freePort, freeUdpPort, runSippUac, sippMessages, startSippUas, type SippProcess } from "../helpers/sipp.js";
import { KirmUa, OFFER_SDP, offerSdp, rawHeaders, type InviteOutcome } from "./kirm-ua.js";

const UAC_HOST = "127.0.0.2";
const STEP_MS = 10_000;

/** Rejects when `p` does not settle within `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one INVITE from a fresh kirm UAC against a fresh SIPp UAS, and collects both sides. */
async function call(
  uasOptions: Parameters<typeof startSippUas>[0],
  invite: Omit<Parameters<KirmUa["invite"]>[0], "uri">,
): Promise<{ outcome: InviteOutcome; uas: SippProcess; uasExit: number | null }> {
  const uas = await startSippUas(uasOptions);
  const ua = new KirmUa(UAC_HOST, await freeUdpPort(UAC_HOST));
  try {
    const outcome = await within(ua.invite({ uri: `sip:+15551230000@127.0.0.1:${uas.port}`, ...invite }), STEP_MS, "INVITE");
    const result = await within(uas.done, STEP_MS, "SIPp UAS exit");
    return { outcome, uas, uasExit: result.exitCode };
  } catch (e) {
    // Say what SIPp saw, so a failure here is readable without re-running.
    const ladder = ["received", "sent"].flatMap((d) =>
      sippMessages(uas.messages(), d as "sent" | "received").map((m) => `${d}: ${m.split("\n")[0]}`),
    );
    throw new Error(`${e instanceof Error ? e.message : String(e)}; SIPp ${ladder.join(" | ") || "saw nothing"}`);
  } finally {
    ua.close();
    await uas.stop();
  }
}

test("reject 486 after 180 with a Q.850 Reason → 486 arrives with the header; classified dial_busy", async () => {
  const { outcome, uasExit } = await call(
    { code: 486, phrase: "Busy Here", provisionals: [{ code: 180 }], headers: { Reason: 'Q.850;cause=17;text="User busy"' } },
    {},
  );
  assert.deepEqual(outcome.codes, [100, 180, 486]);
  assert.equal(outcome.final.reason, "Busy Here");
  assert.equal(outcome.final.headers["reason"], 'Q.850;cause=17;text="User busy"');
  assert.equal(uasExit, 0);
  const end = classifyFinalResponse(
    { code: 486, phrase: outcome.final.reason ?? "", headers: rawHeaders(outcome.final, ["Reason"]) },
    { provisionals: outcome.provisionals.map((p) => ({ code: p.status ?? 0, at: Date.now() })) },
  );
  assert.equal(end.reason, "dial_busy");
  assert.equal(end.sip?.reasonHeader, 'Q.850;cause=17;text="User busy"');
});

test("reject 603 Network Blocked with a 603+ Reason, and with a plain SIP Reason → marked_as_spam", async () => {
  for (const reason of [
    'SIP;cause=603;text="v=analytics1;url=https://redress.example/a";location=TN',
    'SIP;cause=603;text="Network Blocked"',
  ]) {
    const phrase = reason.includes("analytics") ? "Network Blocked" : "Decline";
    const { outcome, uasExit } = await call({ code: 603, phrase, headers: [`Reason: ${reason}`] }, {});
    assert.equal(outcome.final.status, 603);
    assert.equal(outcome.final.reason, phrase);
    assert.equal(outcome.final.headers["reason"], reason);
    assert.equal(uasExit, 0);
    const end = classifyFinalResponse({ code: 603, phrase, headers: rawHeaders(outcome.final, ["Reason"]) });
    assert.equal(end.reason, "marked_as_spam");
    assert.equal(end.subReason, "network_blocked_603plus");
  }
});

test("early-media-480: 183 with SDP, then 480", async () => {
  const { outcome, uasExit } = await call({ scenario: "early-media-480", ringMs: 50 }, {});
  assert.deepEqual(outcome.codes, [100, 183, 480]);
  assert.match(outcome.provisionals[1]?.content ?? "", /m=audio \d+ RTP\/AVP 0 8/);
  // No extra headers: the 480 must still end its header section at Content-Length, with no body.
  assert.equal(outcome.final.headers["content-length"], 0);
  assert.equal(outcome.final.content, "");
  assert.equal(uasExit, 0);
});

test("auth-401: challenge, right credentials → 200 then BYE; wrong → 403", async () => {
  const creds = { user: "alice", password: "s3cret" };
  const ok = await call({ scenario: "auth-401", ...creds }, { credentials: creds });
  assert.deepEqual(ok.outcome.codes, [401, 200]);
  assert.match(ok.outcome.final.content ?? "", /a=rtpmap:0 PCMU\/8000/);
  assert.equal(ok.outcome.bye?.status, 200);
  assert.equal(ok.uasExit, 0);
  const challenge = sippMessages((await ok.uas.done).messages, "sent")[0] ?? "";
  assert.match(challenge, /WWW-Authenticate: Digest realm="parley\.test".*qop="auth"/);

  const bad = await call({ scenario: "auth-401", ...creds }, { credentials: { user: "alice", password: "wrong" } });
  assert.deepEqual(bad.outcome.codes, [401, 403]);
});

test("auth-407: challenge, right credentials → 200 then BYE; wrong → 403", async () => {
  const creds = { user: "bob", password: "pa55" };
  const requestUri = "sip:+15551230000@127.0.0.1:{port}";
  const ok = await call({ scenario: "auth-407", requestUri, ...creds }, { credentials: creds });
  assert.deepEqual(ok.outcome.codes, [407, 200]);
  assert.equal(ok.outcome.bye?.status, 200);
  const retry = sippMessages((await ok.uas.done).messages, "received").filter((m) => m.startsWith("INVITE"))[1] ?? "";
  assert.match(retry, /Proxy-Authorization: Digest /);

  const bad = await call({ scenario: "auth-407", requestUri, ...creds }, { credentials: { user: "bob", password: "nope" } });
  assert.deepEqual(bad.outcome.codes, [407, 403]);
});

test("ring-forever: 180, then our CANCEL → 200 for the CANCEL and 487 for the INVITE", async () => {
  const { outcome, uasExit } = await call({ scenario: "ring-forever" }, { cancelOn: 180 });
  assert.deepEqual(outcome.codes, [100, 180, 487]);
  assert.equal(outcome.cancelResponse?.status, 200);
  assert.equal(outcome.final.headers.cseq.method, "INVITE");
  assert.equal(uasExit, 0);
  const end = classifyFinalResponse(
    { code: 487, phrase: outcome.final.reason ?? "" },
    { provisionals: [{ code: 180, at: Date.now() }], cancel: { cause: "ring_timeout", at: Date.now() } },
  );
  assert.equal(end.reason, "dial_no_answer");
});

test("answer: 200 with SDP, our BYE answered; hang-up variant sends its own BYE", async () => {
  const waitBye = await call({ scenario: "answer" }, {});
  assert.deepEqual(waitBye.outcome.codes, [100, 180, 200]);
  assert.match(waitBye.outcome.final.content ?? "", /m=audio \d+ RTP\/AVP 0 8 101/);
  assert.equal(waitBye.outcome.bye?.status, 200);
  assert.equal(waitBye.uasExit, 0);

  const hangUp = await call({ scenario: "answer", hangUpAfterMs: 100 }, { onAnswer: "await-bye" });
  assert.equal(hangUp.outcome.bye?.method, "BYE");
  assert.equal(hangUp.uasExit, 0);
});

test("answer with playPcap: RTP (PCMA from SIPp's g711a.pcap) reaches the address in our offer", async () => {
  const rtp = createSocket("udp4");
  await new Promise<void>((resolve) => rtp.bind(0, UAC_HOST, resolve));
  const packets: Buffer[] = [];
  let enough: () => void = () => {};
  const tenPackets = new Promise<void>((resolve) => (enough = resolve));
  rtp.on("message", (m) => {
    packets.push(m);
    if (packets.length >= 10) enough();
  });
  const uas = await startSippUas({ scenario: "answer", playPcap: "/usr/share/sip-tester/g711a.pcap", hangUpAfterMs: 2000 });
  const ua = new KirmUa(UAC_HOST, await freeUdpPort(UAC_HOST));
  try {
    const outcome = ua.invite({ uri: `sip:+15551230000@127.0.0.1:${uas.port}`, sdp: offerSdp(UAC_HOST, rtp.address().port), onAnswer: "await-bye" });
    // On a timeout, say how far the call got: SIPp's ladder and the packets that did arrive.
    await within(tenPackets, STEP_MS, "ten RTP packets").catch((err: unknown) => {
      const ladder = (dir: "sent" | "received") => sippMessages(uas.messages(), dir).map((m) => m.split("\r\n")[0]).join(" | ");
      throw new Error(`${String(err)}; ${packets.length} packets; SIPp received: ${ladder("received")}; SIPp sent: ${ladder("sent")}`);
    });
    const first = packets[0]!;
    assert.equal(first[0]! >> 6, 2, "RTP version 2");
    assert.equal(first[1]! & 0x7f, 8, "payload type 8 (PCMA)");
    assert.equal((await within(outcome, STEP_MS, "BYE from SIPp")).bye?.method, "BYE");
  } finally {
    ua.close();
    rtp.close();
    await uas.stop();
  }
});

test("no-answer: the INVITE is received (and retransmitted) but never answered", async () => {
  const uas = await startSippUas({ scenario: "no-answer", holdMs: 30_000 });
  const ua = new KirmUa(UAC_HOST, await freeUdpPort(UAC_HOST));
  const codes: number[] = [];
  try {
    void ua.invite({ uri: `sip:+15551230000@127.0.0.1:${uas.port}` }).then((o) => codes.push(...o.codes), () => {});
    // The UAC retransmits an unanswered INVITE after T1 (500 ms): two copies prove it got nothing.
    const deadline = Date.now() + STEP_MS;
    let invites = 0;
    while (invites < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      invites = sippMessages(uas.messages(), "received").filter((m) => m.startsWith("INVITE")).length;
    }
    assert.ok(invites >= 2, `INVITE copies seen by SIPp: ${invites}`);
    assert.deepEqual(sippMessages(uas.messages(), "sent"), []);
    assert.deepEqual(codes, []);
  } finally {
    ua.close();
    await uas.stop();
  }
});

test("UAC scenarios against a kirm UAS: a call with BYE, an expected 404, and a wrong code failing", async () => {
  const port = await freeUdpPort(UAC_HOST);
  const seen: string[] = [];
  const uas = new KirmUa(UAC_HOST, port, (rq) => {
    seen.push(rq.method ?? "");
    if (rq.method === "INVITE") {
      const user = /^sip:([^@]+)@/.exec(rq.uri ?? "")?.[1];
      if (user === "+15550000404") return KirmUa.response(rq, 404, "Not Found");
      if (user === "+15550000486") return KirmUa.response(rq, 486, "Busy Here");
      const rs = KirmUa.response(rq, 200, "OK", {
        headers: { contact: [{ uri: `sip:agent@${UAC_HOST}:${port}`, params: {} }], "content-type": "application/sdp" },
        content: OFFER_SDP,
      });
      rs.headers.to.params["tag"] = "uas1";
      return rs;
    }
    if (rq.method === "BYE") return KirmUa.response(rq, 200, "OK");
    return undefined;
  });
  try {
    const target = { host: UAC_HOST, port };
    const ok = await within(runSippUac({ scenario: "call", target, service: "+15550000200", pauseMs: 100 }), 20_000, "uac call");
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.equal(ok.stats?.successful, 1);
    assert.deepEqual(seen, ["INVITE", "ACK", "BYE"]);

    const notFound = await within(runSippUac({ scenario: "expect-error", code: 404, target, service: "+15550000404" }), 20_000, "uac 404");
    assert.equal(notFound.exitCode, 0, notFound.stderr);
    assert.equal(notFound.stats?.successful, 1);

    const wrong = await within(
      runSippUac({ scenario: "expect-error", code: 404, target, service: "+15550000486", timeoutMs: 5000 }),
      20_000,
      "uac wrong code",
    );
    assert.equal(wrong.exitCode, 1);
    assert.equal(wrong.stats?.failed, 1);
  } finally {
    uas.close();
  }
});

test("bad template input is refused before SIPp runs", async () => {
  await assert.rejects(startSippUas({ code: 200, phrase: "OK" }), /status code/);
  await assert.rejects(startSippUas({ code: 486, phrase: "Busy\r\nX-Evil: 1" }), /one line/);
  await assert.rejects(startSippUas({ code: 486, phrase: "Busy", headers: ["not a header"] }), /not a header line/);
  await assert.rejects(startSippUas({ code: 486, phrase: "Busy", headers: { "Bad Name": "x" } }), /bad header name/);
  await assert.rejects(startSippUas({ code: 486, phrase: "Busy", host: "0.0.0.0" }), /127\.x\.x\.x/);
});

test("reject over TCP: SIPp listens on TCP and the 486 comes back on the connection", async () => {
  const uas = await startSippUas({ code: 486, phrase: "Busy Here", transport: "tcp" });
  const ua = new KirmUa(UAC_HOST, await freePort("tcp", UAC_HOST), undefined, { tcp: true });
  try {
    const outcome = await within(ua.invite({ uri: `sip:+15551230000@127.0.0.1:${uas.port};transport=tcp` }), STEP_MS, "INVITE over TCP");
    assert.deepEqual(outcome.codes, [100, 486]);
    assert.equal((await within(uas.done, STEP_MS, "SIPp exit")).exitCode, 0);
    assert.match(sippMessages(uas.messages() || (await uas.done).messages, "received")[0] ?? "", /^INVITE .*transport=tcp/);
  } finally {
    ua.close();
    await uas.stop();
  }
});
