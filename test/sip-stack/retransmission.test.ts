// Retransmission rules on the wire, with a raw UDP socket as the far end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type RemoteInfo } from "node:dgram";
import type { SipMessage } from "../../src/sip/message.js";
import { parseMessage } from "../../src/sip/parse.js";
import { buildResponse, serializeMessage } from "../../src/sip/serialize.js";
import { createSipStack, type ServerTransaction, type ServerTransactionEvent } from "../../src/sip/stack.js";
import { within } from "./harness.js";

/** A raw UDP end that parses what it receives. */
async function rawPeer(host = "127.0.0.6") {
  const sock = createSocket("udp4");
  const got: Array<{ m: SipMessage; from: RemoteInfo }> = [];
  const waiters: Array<() => void> = [];
  sock.on("message", (data, from) => {
    const r = parseMessage(data);
    if (r.ok) got.push({ m: r.message, from });
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((r) => sock.bind(0, host, () => r()));
  const until = (done: () => boolean, what: string, ms = 5000): Promise<void> =>
    within(new Promise<void>((resolve) => {
      const check = (): void => { if (done()) resolve(); else waiters.push(check); };
      check();
    }), ms, what);
  const send = (m: SipMessage, port: number, to = "127.0.0.1"): void => { sock.send(serializeMessage(m), port, to); };
  return { sock, got, until, send, host, port: sock.address().port, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

const count = (got: Array<{ m: SipMessage }>, pred: (m: SipMessage) => boolean): number => got.filter((g) => pred(g.m)).length;
const isReq = (method: string) => (m: SipMessage) => m.kind === "request" && m.method === method;
const isRes = (status: number) => (m: SipMessage) => m.kind === "response" && m.status === status;

test("a retransmitted 2xx is ACKed again by the UAC (the ACK is kept for 64·T1)", { timeout: 10_000 }, async () => {
  const peer = await rawPeer();
  const stack = createSipStack({ host: "127.0.0.1", port: 0, transports: ["udp"], timers: { t1Ms: 50 } });
  await stack.listen();
  try {
    const { port } = stack.addresses.udp!;
    const tx = stack.request(stack.createRequest("INVITE", `sip:raw@${peer.host}:${peer.port}`));
    await peer.until(() => count(peer.got, isReq("INVITE")) >= 1, "the INVITE");
    const invite = peer.got[0]!.m;
    assert.ok(invite.kind === "request");
    const ok = buildResponse(invite, 200, "OK", { toTag: "raw1", headers: [["Contact", `<sip:raw@${peer.host}:${peer.port}>`]] });
    peer.send(ok, port);
    const out = await within(tx.outcome, 5000, "the 200");
    assert.ok(out.kind === "final" && tx.dialog);
    await stack.sendAck(tx.dialog);
    await peer.until(() => count(peer.got, isReq("ACK")) === 1, "the first ACK");
    peer.send(ok, port); // as if our first ACK had been lost
    await peer.until(() => count(peer.got, isReq("ACK")) === 2, "the ACK again");
    const acks = peer.got.filter((g) => isReq("ACK")(g.m)).map((g) => g.m);
    assert.equal(acks[0]!.headers.via()?.branch, acks[1]!.headers.via()?.branch, "the same ACK, resent");
    assert.notEqual(acks[0]!.headers.via()?.branch, invite.headers.via()?.branch, "a 2xx ACK is its own transaction");
  } finally {
    await stack.close();
    await peer.close();
  }
});

test("the UAS retransmits its 2xx until the ACK, and answers a retransmitted INVITE with its last provisional", { timeout: 10_000 }, async () => {
  const peer = await rawPeer();
  const stack = createSipStack({ host: "127.0.0.1", port: 0, transports: ["udp"], timers: { t1Ms: 30, tryingDelayMs: 0 } });
  let answer: (() => void) | undefined;
  let serverTx: ServerTransaction | undefined;
  const events: ServerTransactionEvent[] = [];
  stack.onRequest((tx) => {
    if (tx.request.method !== "INVITE") return void tx.respond(200, "OK");
    serverTx = tx;
    tx.on((e) => events.push(e));
    tx.respond(180, "Ringing");
    answer = () => tx.respond(200, "OK");
  });
  await stack.listen();
  try {
    const { port } = stack.addresses.udp!;
    const lines = [
      `INVITE sip:parley@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${peer.host}:${peer.port};branch=z9hG4bKrawinv1;rport`,
      `From: <sip:raw@${peer.host}>;tag=r1`,
      `To: <sip:parley@127.0.0.1>`,
      "Call-ID: rawinv1@test",
      "CSeq: 1 INVITE",
      `Contact: <sip:raw@${peer.host}:${peer.port}>`,
      "Max-Forwards: 70",
      "Content-Length: 0", "", "",
    ];
    const r = parseMessage(Buffer.from(lines.join("\r\n")));
    assert.ok(r.ok && r.message.kind === "request");
    const invite = r.message;
    peer.send(invite, port);
    await peer.until(() => count(peer.got, isRes(180)) === 1, "the 180");
    peer.send(invite, port); // our INVITE "got lost"
    await peer.until(() => count(peer.got, isRes(180)) === 2, "the 180 again");
    answer?.();
    await peer.until(() => count(peer.got, isRes(200)) >= 3, "three copies of the 200 (no ACK yet)");
    const ok = peer.got.find((g) => isRes(200)(g.m))!.m;
    assert.ok(ok.kind === "response");
    const toTag = ok.headers.to()?.tag;
    assert.ok(toTag);
    const ack = parseMessage(Buffer.from([
      `ACK sip:parley@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${peer.host}:${peer.port};branch=z9hG4bKrawack1`,
      `From: <sip:raw@${peer.host}>;tag=r1`,
      `To: <sip:parley@127.0.0.1>;tag=${toTag}`,
      "Call-ID: rawinv1@test",
      "CSeq: 1 ACK",
      "Max-Forwards: 70",
      "Content-Length: 0", "", "",
    ].join("\r\n")));
    assert.ok(ack.ok);
    peer.send(ack.message, port);
    // Timer L (64·T1) ends the Accepted state: the outcome says whether the ACK came.
    assert.ok(serverTx);
    const out = await within(serverTx.outcome, 5000, "the INVITE server transaction outcome");
    assert.deepEqual(out, { kind: "completed", status: 200, acked: true });
    const ackAt = events.findIndex((e) => e.type === "ack");
    assert.ok(ackAt > 0, "the ACK went up to the TU");
    assert.equal(events.filter((e) => e.type === "ack").length, 1);
    const sentOks = events.filter((e) => e.type === "sent" && e.message.kind === "response" && e.message.status === 200);
    assert.ok(!events.slice(ackAt).some((e) => e.type === "sent"), "no 2xx retransmission after the ACK");
    assert.equal(count(peer.got, isRes(200)), sentOks.length, "every 200 sent reached the peer");
  } finally {
    await stack.close();
    await peer.close();
  }
});

test("a settled server transaction only answers retransmissions: a repeated BYE gets the same 200, a repeated INVITE or ACK is absorbed, a late CANCEL gets 200, and all of it expires after 64·T1", { timeout: 15_000 }, async () => {
  const peer = await rawPeer();
  const stack = createSipStack({ host: "127.0.0.1", port: 0, transports: ["udp"], timers: { t1Ms: 30, tryingDelayMs: 0 } });
  const seen: string[] = [];
  stack.onRequest((tx) => {
    seen.push(tx.request.method);
    tx.respond(200, "OK");
  });
  await stack.listen();
  try {
    const { port } = stack.addresses.udp!;
    const head = (method: string, branch: string, seq: number, toTag = ""): string[] => [
      `${method} sip:parley@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${peer.host}:${peer.port};branch=${branch};rport`,
      `From: <sip:raw@${peer.host}>;tag=s1`,
      `To: <sip:parley@127.0.0.1>${toTag}`,
      "Call-ID: settled1@test",
      `CSeq: ${seq} ${method}`,
      `Contact: <sip:raw@${peer.host}:${peer.port}>`,
      "Max-Forwards: 70",
      "Content-Length: 0", "", "",
    ];
    const msg = (lines: string[]): SipMessage => {
      const r = parseMessage(Buffer.from(lines.join("\r\n")));
      assert.ok(r.ok);
      return r.message;
    };
    const okTo = (method: string) => (m: SipMessage) => m.kind === "response" && m.status === 200 && m.headers.cseq()?.method === method;
    const invite = msg(head("INVITE", "z9hG4bKsettledinv", 1));
    peer.send(invite, port);
    await peer.until(() => count(peer.got, okTo("INVITE")) >= 1, "the 200 to the INVITE");
    const tag = `;tag=${peer.got.find((g) => okTo("INVITE")(g.m))!.m.headers.to()!.tag!}`;
    const ack = msg(head("ACK", "z9hG4bKsettledack", 1, tag));
    peer.send(ack, port);
    await within((async () => { while (stack.transactionCounts.lingering < 1) await new Promise((r) => setImmediate(r)); })(), 5000, "the INVITE settled");
    assert.deepEqual(stack.transactionCounts, { clients: 0, servers: 0, lingering: 1 });
    const oksBefore = count(peer.got, okTo("INVITE"));
    peer.send(invite, port); // a late INVITE retransmission
    peer.send(ack, port); // and a repeated ACK
    peer.send(msg(head("CANCEL", "z9hG4bKsettledinv", 1)), port);
    await peer.until(() => count(peer.got, okTo("CANCEL")) === 1, "200 to the CANCEL of an answered INVITE");
    const bye = msg(head("BYE", "z9hG4bKsettledbye", 2, tag));
    peer.send(bye, port);
    await peer.until(() => count(peer.got, okTo("BYE")) === 1, "the 200 to the BYE");
    peer.send(bye, port); // our BYE "got lost"
    await peer.until(() => count(peer.got, okTo("BYE")) === 2, "the same 200 again");
    const byeOks = peer.got.filter((g) => okTo("BYE")(g.m)).map((g) => g.m);
    assert.equal(byeOks[1]!.headers.to()?.tag, byeOks[0]!.headers.to()?.tag, "the stored response is resent, not a new one");
    assert.equal(count(peer.got, okTo("INVITE")), oksBefore, "the repeated INVITE and ACK were absorbed");
    assert.deepEqual(seen, ["INVITE", "BYE"], "the TU saw each request once (the 2xx ACK and the CANCEL stay in the transaction layer)");
    // 64·T1 = 1.92 s after settling, nothing is left.
    await within((async () => { while (stack.transactionCounts.lingering > 0) await new Promise((r) => setTimeout(r, 50)); })(), 8000, "the linger records expired");
    assert.deepEqual(stack.transactionCounts, { clients: 0, servers: 0, lingering: 0 });
  } finally {
    await stack.close();
    await peer.close();
  }
});
