import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMessage } from "./parse.js";
import { buildResponse } from "./serialize.js";
import type { SipMessage, SipRequest } from "./message.js";
import { ManualClock } from "./timers-manual.js";
import { timerPolicy } from "./timers.js";
import { InviteClientTransaction } from "./transaction-invite-client.js";
import type { ClientOutcome, ClientTxEvent } from "./transaction.js";
import { SipTransportError } from "./transport-error.js";

const INVITE = [
  "INVITE sip:bob@127.0.0.1:5070 SIP/2.0",
  "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtest1;rport",
  "Route: <sip:proxy.example;lr>",
  "From: <sip:alice@127.0.0.1>;tag=a1",
  "To: <sip:bob@127.0.0.1>",
  "Call-ID: c1@test",
  "CSeq: 7 INVITE",
  "Max-Forwards: 70",
  "Content-Length: 0",
  "", "",
].join("\r\n");

function invite(): SipRequest {
  const r = parseMessage(Buffer.from(INVITE));
  assert.ok(r.ok && r.message.kind === "request");
  return r.message;
}

function harness(reliable = false, failSend = false) {
  const clock = new ManualClock();
  const sent: SipMessage[] = [];
  const events: ClientTxEvent[] = [];
  const timers = timerPolicy({ t1Ms: 10, t2Ms: 40, t4Ms: 50 });
  const tx = new InviteClientTransaction(invite(), {
    clock, timers, reliable,
    send: async (m) => {
      if (failSend) throw new SipTransportError({ cause: "connect_refused", stage: "connect", message: "refused", code: "ECONNREFUSED" });
      sent.push(m);
    },
  }, (e) => events.push(e));
  const outcome = (): ClientOutcome | undefined => events.flatMap((e) => (e.type === "outcome" ? [e.outcome] : []))[0];
  const timerSets = (name: string) => events.flatMap((e) => (e.type === "timer_set" && e.timer === name ? [e.delayMs] : []));
  return { clock, sent, events, tx, outcome, timerSets };
}


test("INVITE over UDP is retransmitted on Timer A with doubling intervals until Timer B gives up", () => {
  const h = harness();
  h.tx.start();
  h.clock.advance(640);
  assert.deepEqual(h.timerSets("A"), [10, 20, 40, 80, 160, 320, 640]); // uncapped doubling (§17.1.1.2)
  assert.deepEqual(h.timerSets("B"), [640]);
  assert.equal(h.sent.length, 7);
  const o = h.outcome();
  assert.equal(o?.kind, "timeout");
  if (o?.kind === "timeout") {
    assert.equal(o.timer, "B");
    assert.equal(o.afterMs, 640);
    assert.equal(o.provisionals.count, 0);
  }
  assert.equal(h.tx.state, "terminated");
});

test("over a reliable transport there is no Timer A", () => {
  const h = harness(true);
  h.tx.start();
  assert.deepEqual(h.timerSets("A"), []);
  h.clock.advance(1000);
  assert.equal(h.sent.length, 1);
  assert.equal(h.outcome()?.kind, "timeout");
});

test("a provisional stops retransmissions and Timer B; the summary records what arrived", () => {
  const h = harness();
  h.tx.start();
  h.clock.advance(15);
  h.tx.onResponse(buildResponse(h.tx.request, 100, "Trying"));
  h.tx.onResponse(buildResponse(h.tx.request, 180, "Ringing", { toTag: "b1" }));
  assert.equal(h.tx.state, "proceeding");
  h.clock.advance(10_000);
  assert.equal(h.sent.length, 2);
  assert.equal(h.outcome(), undefined);
  h.tx.onResponse(buildResponse(h.tx.request, 486, "Busy Here", { toTag: "b1" }));
  const o = h.outcome();
  assert.equal(o?.kind, "final");
  if (o?.kind === "final") {
    assert.equal(o.response.status, 486);
    assert.deepEqual([o.provisionals.count, o.provisionals.firstStatus, o.provisionals.lastStatus, o.provisionals.alerted, o.provisionals.firstAt], [2, 100, 180, true, 15]);
  }
});

test("a non-2xx final is ACKed inside the transaction with the INVITE's branch, again on every retransmission", () => {
  const h = harness();
  h.tx.start();
  const busy = buildResponse(h.tx.request, 486, "Busy Here", { toTag: "b9" });
  h.tx.onResponse(busy);
  assert.equal(h.tx.state, "completed");
  const ack = h.sent[1];
  assert.ok(ack?.kind === "request");
  assert.equal(ack.method, "ACK");
  assert.equal(ack.uri, "sip:bob@127.0.0.1:5070");
  assert.equal(ack.headers.via()?.branch, "z9hG4bKtest1");
  assert.equal(ack.headers.getAll("via").length, 1);
  assert.equal(ack.headers.to()?.tag, "b9");
  assert.deepEqual(ack.headers.cseq(), { seq: 7, method: "ACK" });
  assert.deepEqual(ack.headers.getAll("route"), ["<sip:proxy.example;lr>"]);
  h.tx.onResponse(busy);
  assert.equal(h.sent.filter((m) => m.kind === "request" && m.method === "ACK").length, 2);
  assert.equal(h.events.filter((e) => e.type === "final").length, 1);
  assert.deepEqual(h.timerSets("D"), [640]);
  h.clock.advance(640);
  assert.equal(h.tx.state, "terminated");
});

test("a 2xx goes up without an ACK; later 2xx are passed up as extra_2xx until Timer M", () => {
  const h = harness();
  h.tx.start();
  const ok = buildResponse(h.tx.request, 200, "OK", { toTag: "x" });
  h.tx.onResponse(ok);
  assert.equal(h.tx.state, "accepted");
  assert.equal(h.sent.length, 1);
  h.tx.onResponse(ok);
  assert.equal(h.events.filter((e) => e.type === "extra_2xx").length, 1);
  assert.deepEqual(h.timerSets("M"), [640]);
  h.clock.advance(640);
  assert.equal(h.tx.state, "terminated");
  assert.equal(h.outcome()?.kind, "final");
});

test("a transport failure ends the transaction with a typed transport_error", async () => {
  const h = harness(true, true);
  h.tx.start();
  await new Promise<void>((r) => setImmediate(r));
  const o = h.outcome();
  assert.equal(o?.kind, "transport_error");
  if (o?.kind === "transport_error") assert.equal(o.failure.cause, "connect_refused");
  assert.equal(h.tx.state, "terminated");
});

test("after our CANCEL the transaction waits 64·T1 for the final, then reports cancel_guard", () => {
  const h = harness();
  h.tx.start();
  h.tx.onResponse(buildResponse(h.tx.request, 180, "Ringing", { toTag: "r" }));
  h.clock.advance(100);
  h.tx.onCancelSent();
  h.clock.advance(640);
  const o = h.outcome();
  assert.equal(o?.kind, "timeout");
  if (o?.kind === "timeout") {
    assert.equal(o.timer, "cancel_guard");
    assert.equal(o.provisionals.count, 1);
  }
});
