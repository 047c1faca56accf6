// How the stack fails: silence (Timer B), refused connections, unreadable input, floods, strangers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type RemoteInfo } from "node:dgram";
import { createServer } from "node:net";
import { parseMessage } from "../../src/sip/parse.js";
import { createSipStack } from "../../src/sip/stack.js";
import { tokenBucketLimiter } from "../../src/sip/transport-rate-limit.js";
import type { SipTrace } from "../../src/sip/transport-layer.js";
import { within } from "./harness.js";

/** A UDP socket on loopback that records what it gets and can answer. */
async function udpPeer(host = "127.0.0.4") {
  const sock = createSocket("udp4");
  const got: Array<{ data: Buffer; from: RemoteInfo }> = [];
  const waiters: Array<() => void> = [];
  sock.on("message", (data, from) => {
    got.push({ data, from });
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((r) => sock.bind(0, host, () => r()));
  const until = (done: () => boolean, what: string, ms = 3000): Promise<void> =>
    within(new Promise<void>((resolve) => {
      const check = (): void => { if (done()) resolve(); else waiters.push(check); };
      check();
    }), ms, what);
  const next = (count: number, ms = 3000): Promise<void> => until(() => got.length >= count, `${count} datagrams`, ms);
  return { sock, got, next, until, port: sock.address().port, host, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

test("an INVITE to a silent UDP port ends with Timer B after A retransmissions, with zero provisionals", { timeout: 10_000 }, async () => {
  const silent = await udpPeer();
  const stack = createSipStack({ host: "127.0.0.1", port: 0, transports: ["udp"], timers: { t1Ms: 20 } });
  await stack.listen();
  try {
    const tx = stack.request(stack.createRequest("INVITE", `sip:nobody@${silent.host}:${silent.port}`));
    const timerSets: number[] = [];
    let aFired = 0;
    tx.on((e) => {
      if (e.type === "timer_set" && e.timer === "A") timerSets.push(e.delayMs);
      if (e.type === "timer_fired" && e.timer === "A") aFired++;
    });
    const out = await within(tx.outcome, 5000, "Timer B");
    assert.equal(out.kind, "timeout");
    if (out.kind !== "timeout") return;
    assert.equal(out.timer, "B");
    assert.equal(out.provisionals.count, 0);
    assert.ok(out.afterMs >= 64 * 20, `Timer B fired after ${out.afterMs} ms`);
    // Timer A doubles without a cap; B (64·T1 = 1280 ms) cancels the last one armed. Whether the
    // A due at 1260 ms beats B depends on a loaded machine's timer lag, so count, don't assume.
    assert.deepEqual(timerSets, [20, 40, 80, 160, 320, 640, 1280].slice(0, timerSets.length));
    assert.ok(timerSets.length >= 6);
    assert.equal(aFired, timerSets.length - 1);
    await silent.next(aFired + 1);
    assert.equal(silent.got.length, aFired + 1, "the INVITE once, then once per Timer A that fired");
    assert.ok(silent.got.every((g) => g.data.toString().startsWith("INVITE ")));
    assert.equal(tx.state, "terminated");
  } finally {
    await stack.close();
    await silent.close();
  }
});

test("an INVITE over TCP to a closed port ends with a transport_error: connect_refused", { timeout: 10_000 }, async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.4", () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const stack = createSipStack({ host: "127.0.0.1", port: 0, timers: { t1Ms: 20 } });
  await stack.listen();
  try {
    const tx = stack.request(stack.createRequest("INVITE", `sip:x@127.0.0.4:${port};transport=tcp`));
    const out = await within(tx.outcome, 5000, "the transport error");
    assert.equal(out.kind, "transport_error");
    if (out.kind !== "transport_error") return;
    assert.equal(out.failure.cause, "connect_refused");
    assert.equal(out.failure.stage, "connect");
    assert.equal(out.failure.target, `tcp:127.0.0.4:${port}`);
    assert.equal(out.provisionals.count, 0);
  } finally {
    await stack.close();
  }
});

const GOOD_OPTIONS = (port: number, branch: string) => Buffer.from([
  `OPTIONS sip:parley@127.0.0.1 SIP/2.0`,
  `Via: SIP/2.0/UDP 127.0.0.4:${port};branch=${branch};rport`,
  "From: <sip:t@127.0.0.4>;tag=f1",
  "To: <sip:parley@127.0.0.1>",
  `Call-ID: ${branch}@t`,
  "CSeq: 1 OPTIONS",
  "Max-Forwards: 70",
  "Content-Length: 0",
  "", "",
].join("\r\n"));

test("a malformed request with readable Via/From/To/Call-ID/CSeq gets 400; garbage is dropped; the stack keeps serving", { timeout: 10_000 }, async () => {
  const peer = await udpPeer();
  const stack = createSipStack({ host: "127.0.0.1", port: 0, transports: ["udp"], timers: { t1Ms: 20 } });
  const traces: SipTrace[] = [];
  stack.onMessage((t) => traces.push(t));
  await stack.listen();
  const { port } = stack.addresses.udp!;
  const send = (b: Buffer): Promise<void> => new Promise((r) => peer.sock.send(b, port, "127.0.0.1", () => r()));
  try {
    // Bad Content-Length (larger than the datagram): readable enough for a 400.
    await send(Buffer.from(GOOD_OPTIONS(peer.port, "z9hG4bKbad1").toString().replace("Content-Length: 0", "Content-Length: 999")));
    await peer.next(1);
    const first = parseMessage(peer.got[0]!.data);
    assert.ok(first.ok && first.message.kind === "response");
    assert.equal(first.message.status, 400);
    assert.equal(first.message.headers.via()?.branch, "z9hG4bKbad1");
    // Pure garbage and a bare keep-alive: nothing to answer.
    await send(Buffer.from("\x00\x01garbage\xff\r\n\r\n", "latin1"));
    await send(Buffer.from("\r\n\r\n"));
    await send(Buffer.alloc(3000, 0x41));
    // Still alive: a good OPTIONS gets its 200 (the default answer without a TU).
    await send(GOOD_OPTIONS(peer.port, "z9hG4bKgood1"));
    await peer.next(2);
    const second = parseMessage(peer.got[1]!.data);
    assert.ok(second.ok && second.message.kind === "response");
    assert.equal(second.message.status, 200);
    assert.equal(second.message.headers.via()?.branch, "z9hG4bKgood1");
    assert.equal(second.message.headers.via()?.rport, peer.port, "rport was filled in (RFC 3581)");
    assert.equal(peer.got.length, 2);
    const malformed = traces.filter((t) => t.type === "malformed");
    assert.equal(malformed.length, 3);
    assert.deepEqual(malformed.map((t) => t.type === "malformed" && t.answered), [true, false, false]);
  } finally {
    await stack.close();
    await peer.close();
  }
});

const INVITE = (port: number, n: number) => Buffer.from([
  `INVITE sip:parley@127.0.0.1 SIP/2.0`,
  `Via: SIP/2.0/UDP 127.0.0.4:${port};branch=z9hG4bKflood${n}`,
  `From: <sip:t@127.0.0.4>;tag=f${n}`,
  "To: <sip:parley@127.0.0.1>",
  `Call-ID: flood${n}@t`,
  "CSeq: 1 INVITE",
  "Max-Forwards: 70",
  "Content-Length: 0",
  "", "",
].join("\r\n"));

test("the INVITE rate limiter answers 503 with Retry-After beyond the burst, and the allow-list drops strangers", { timeout: 10_000 }, async () => {
  const peer = await udpPeer();
  const stranger = await udpPeer("127.0.0.5");
  const stack = createSipStack({
    host: "127.0.0.1", port: 0, transports: ["udp"], timers: { t1Ms: 20, tryingDelayMs: 0 },
    inviteRateLimit: { limiter: tokenBucketLimiter({ ratePerSec: 0.001, burst: 2 }), action: "reject", retryAfterSec: 7 },
    acceptPeer: (source) => source.address !== "127.0.0.5",
  });
  let invites = 0;
  stack.onRequest((tx) => {
    if (tx.request.method !== "INVITE") return void tx.respond(200, "OK");
    invites++;
    tx.respond(486, "Busy Here");
  });
  await stack.listen();
  const { port } = stack.addresses.udp!;
  try {
    for (let n = 1; n <= 3; n++) peer.sock.send(INVITE(peer.port, n), port, "127.0.0.1");
    const statuses = (): string[] => peer.got.map((g) => {
      const r = parseMessage(g.data);
      return r.ok && r.message.kind === "response" ? `${r.message.status}:${r.message.headers.callId()}:${r.message.headers.get("retry-after") ?? ""}` : "?";
    });
    await peer.until(() => statuses().some((s) => s.startsWith("503")), "the 503");
    assert.deepEqual(statuses().filter((s) => s.startsWith("503")), ["503:flood3@t:7"]);
    assert.equal(invites, 2);
    stranger.sock.send(INVITE(stranger.port, 9), port, "127.0.0.1");
    stranger.sock.send(GOOD_OPTIONS(stranger.port, "z9hG4bKs1"), port, "127.0.0.1");
    // Then a known peer's OPTIONS: once it is answered, the stranger's datagrams were processed too.
    peer.sock.send(GOOD_OPTIONS(peer.port, "z9hG4bKp1"), port, "127.0.0.1");
    await peer.until(() => statuses().some((s) => s.startsWith("200:z9hG4bKp1")), "the OPTIONS answer");
    assert.equal(stranger.got.length, 0, "strangers get silence");
    assert.equal(invites, 2);
  } finally {
    await stack.close();
    await peer.close();
    await stranger.close();
  }
});

test("over TCP a message without Content-Length drops that connection only; the stack keeps serving", { timeout: 10_000 }, async () => {
  const stack = createSipStack({ host: "127.0.0.1", port: 0, transports: ["tcp"], timers: { t1Ms: 20 } });
  const traces: SipTrace[] = [];
  stack.onMessage((t) => traces.push(t));
  await stack.listen();
  const { port } = stack.addresses.tcp!;
  const { connect } = await import("node:net");
  try {
    const bad = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.4" });
    const closed = new Promise<void>((r) => bad.once("close", () => r()));
    bad.on("error", () => {});
    bad.write("OPTIONS sip:parley@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.4:5060;branch=z9hG4bKnocl\r\nFrom: <sip:t@h>;tag=1\r\nTo: <sip:p@h>\r\nCall-ID: nocl\r\nCSeq: 1 OPTIONS\r\n\r\n");
    await within(closed, 5000, "the bad connection to be closed by the stack");
    const good = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.4" });
    good.on("error", () => {});
    let answer = "";
    const answered = new Promise<void>((r) => good.on("data", (d: Buffer) => { answer += d.toString(); if (answer.includes("\r\n\r\n")) r(); }));
    good.write(GOOD_OPTIONS(5060, "z9hG4bKtcpgood").toString().replace("SIP/2.0/UDP", "SIP/2.0/TCP"));
    await within(answered, 5000, "the answer on a fresh connection");
    assert.match(answer, /^SIP\/2\.0 200 OK\r\n/);
    good.destroy();
    assert.ok(traces.some((t) => t.type === "malformed" && t.error.code === "bad_content_length"));
    assert.ok(traces.some((t) => t.type === "connection" && t.event.type === "closed" && t.event.why === "error"));
  } finally {
    await stack.close();
  }
});

test("a throwing request handler or listener gets a 500 and a tu_error trace, never a crash", { timeout: 10_000 }, async () => {
  const a = createSipStack({ host: "127.0.0.1", port: 0, transports: ["udp"], timers: { t1Ms: 20 } });
  const b = createSipStack({ host: "127.0.0.2", port: 0, transports: ["udp"], timers: { t1Ms: 20 } });
  const traces: SipTrace[] = [];
  b.onMessage((t) => traces.push(t));
  b.onRequest(() => { throw new Error("application bug"); });
  await a.listen();
  await b.listen();
  try {
    const bAddr = b.addresses.udp!;
    const tx = a.request(a.createRequest("OPTIONS", `sip:x@${bAddr.address}:${bAddr.port}`));
    tx.on((e) => { if (e.type === "final") throw new Error("listener bug"); });
    const errors: SipTrace[] = [];
    a.onMessage((t) => { if (t.type === "tu_error") errors.push(t); });
    const out = await within(tx.outcome, 5000, "the OPTIONS outcome");
    assert.equal(out.kind === "final" && out.response.status, 500);
    assert.ok(traces.some((t) => t.type === "tu_error" && t.where === "request handler (OPTIONS)" && t.error.includes("application bug")));
    assert.ok(errors.some((t) => t.type === "tu_error" && t.error.includes("listener bug")));
  } finally {
    await a.close();
    await b.close();
  }
});

test("above maxServerTransactions new requests are refused with 503 + Retry-After", { timeout: 10_000 }, async () => {
  const a = createSipStack({ host: "127.0.0.1", port: 0, transports: ["udp"], timers: { t1Ms: 20 } });
  const b = createSipStack({ host: "127.0.0.2", port: 0, transports: ["udp"], maxServerTransactions: 1, timers: { t1Ms: 20, tryingDelayMs: 0 } });
  b.onRequest((tx) => { if (tx.request.method !== "INVITE") tx.respond(200, "OK"); }); // INVITEs are left ringing
  await a.listen();
  await b.listen();
  try {
    const bAddr = b.addresses.udp!;
    const first = a.request(a.createRequest("INVITE", `sip:x@${bAddr.address}:${bAddr.port}`));
    await within(new Promise<void>((r) => first.on((e) => { if (e.type === "provisional") r(); })), 5000, "the 100 Trying");
    const second = await within(a.request(a.createRequest("OPTIONS", `sip:x@${bAddr.address}:${bAddr.port}`)).outcome, 5000, "the refused OPTIONS");
    assert.equal(second.kind === "final" && second.response.status, 503);
    assert.equal(second.kind === "final" && second.response.headers.get("retry-after"), "5");
    assert.deepEqual(b.transactionCounts, { clients: 0, servers: 1, lingering: 1 }, "the ringing INVITE, and the refused OPTIONS kept only to answer retransmissions");
  } finally {
    await a.close();
    await b.close();
  }
});
