import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMessage } from "./parse.js";
import { buildResponse } from "./serialize.js";
import type { SipMessage, SipRequest } from "./message.js";
import { ManualClock } from "./timers-manual.js";
import { timerPolicy } from "./timers.js";
import { InviteServerTransaction } from "./transaction-invite-server.js";
import { NonInviteServerTransaction } from "./transaction-non-invite-server.js";
import { NonInviteClientTransaction } from "./transaction-non-invite-client.js";
import { TransactionStateError, type ServerOutcome, type ServerTxEvent, type ClientTxEvent } from "./transaction.js";

function request(method: string): SipRequest {
  const text = [
    `${method} sip:bob@127.0.0.1 SIP/2.0`,
    "Via: SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bKsrv1",
    "From: <sip:alice@127.0.0.2>;tag=a1",
    "To: <sip:bob@127.0.0.1>",
    "Call-ID: s1@test",
    `CSeq: 1 ${method}`,
    "Max-Forwards: 70",
    "Content-Length: 0",
    "", "",
  ].join("\r\n");
  const r = parseMessage(Buffer.from(text));
  assert.ok(r.ok && r.message.kind === "request");
  return r.message;
}

const timers = timerPolicy({ t1Ms: 10, t2Ms: 40, t4Ms: 50, tryingDelayMs: 200 });

function serverHarness<T>(make: (req: SipRequest, deps: { clock: ManualClock; timers: typeof timers; reliable: boolean; send: (m: SipMessage) => Promise<void> }, emit: (e: ServerTxEvent) => void) => T, method: string, reliable = false) {
  const clock = new ManualClock();
  const sent: SipMessage[] = [];
  const events: ServerTxEvent[] = [];
  const tx = make(request(method), { clock, timers, reliable, send: async (m) => { sent.push(m); } }, (e) => events.push(e));
  const outcome = (): ServerOutcome | undefined => events.flatMap((e) => (e.type === "outcome" ? [e.outcome] : []))[0];
  const timerSets = (name: string) => events.flatMap((e) => (e.type === "timer_set" && e.timer === name ? [e.delayMs] : []));
  const statuses = () => sent.map((m) => (m.kind === "response" ? m.status : 0));
  return { clock, sent, events, tx, outcome, timerSets, statuses };
}

const inviteServer = (reliable = false) => serverHarness((r, d, e) => new InviteServerTransaction(r, d, e), "INVITE", reliable);

test("INVITE server sends 100 Trying after the configured delay when the TU is silent", () => {
  const h = inviteServer();
  h.tx.start();
  h.clock.advance(199);
  assert.deepEqual(h.statuses(), []);
  h.clock.advance(1);
  assert.deepEqual(h.statuses(), [100]);
  h.tx.onRequestRetransmission();
  assert.deepEqual(h.statuses(), [100, 100]);
});

test("INVITE server sends no 100 when the TU answers first", () => {
  const h = inviteServer();
  h.tx.start();
  h.tx.respond(buildResponse(h.tx.request, 180, "Ringing", { toTag: "t" }));
  h.clock.advance(500);
  assert.deepEqual(h.statuses(), [180]);
});

test("a non-2xx final is retransmitted on Timer G (capped at T2) until Timer H reports no ACK", () => {
  const h = inviteServer();
  h.tx.start();
  h.tx.respond(buildResponse(h.tx.request, 486, "Busy Here", { toTag: "t" }));
  h.clock.advance(640);
  const g = h.timerSets("G");
  assert.deepEqual(g.slice(0, 4), [10, 20, 40, 40]);
  assert.ok(g.every((d) => d <= 40), "Timer G never exceeds T2");
  // every G that fired before H resent the 486: fired = armed - 1 (the last one was cancelled by H)
  assert.equal(h.statuses().length, 1 + g.length - 1);
  assert.deepEqual(h.timerSets("H"), [640]);
  assert.deepEqual(h.outcome(), { kind: "timeout", timer: "H", status: 486 });
  assert.equal(h.tx.state, "terminated");
});

test("the ACK of a non-2xx confirms the transaction; Timer I then ends it as completed", () => {
  const h = inviteServer();
  h.tx.start();
  h.tx.respond(buildResponse(h.tx.request, 603, "Decline", { toTag: "t" }));
  h.tx.onAck(request("ACK"));
  assert.equal(h.tx.state, "confirmed");
  assert.deepEqual(h.timerSets("I"), [50]);
  h.clock.advance(50);
  assert.deepEqual(h.outcome(), { kind: "completed", status: 603, acked: true });
});

test("a 2xx is retransmitted until its ACK arrives, which goes up to the TU once", () => {
  const h = inviteServer();
  h.tx.start();
  h.tx.respond(buildResponse(h.tx.request, 200, "OK", { toTag: "t" }));
  assert.equal(h.tx.state, "accepted");
  h.clock.advance(30);
  assert.deepEqual(h.statuses(), [200, 200, 200]);
  h.tx.onAck(request("ACK"));
  h.tx.onAck(request("ACK"));
  assert.equal(h.events.filter((e) => e.type === "ack").length, 1);
  h.clock.advance(100);
  assert.equal(h.statuses().length, 3);
  h.tx.onRequestRetransmission();
  assert.equal(h.statuses().length, 3, "INVITE retransmissions are absorbed in Accepted (RFC 6026)");
  h.clock.advance(640);
  assert.deepEqual(h.outcome(), { kind: "completed", status: 200, acked: true });
});

test("a 2xx never ACKed ends with no_ack on Timer L", () => {
  const h = inviteServer(true);
  h.tx.start();
  h.tx.respond(buildResponse(h.tx.request, 200, "OK", { toTag: "t" }));
  h.clock.advance(640);
  assert.equal(h.statuses().length, 1, "no retransmission over a reliable transport");
  assert.deepEqual(h.outcome(), { kind: "no_ack", timer: "L", status: 200 });
});

test("a server transaction refuses a second final", () => {
  const h = inviteServer();
  h.tx.respond(buildResponse(h.tx.request, 486, "Busy Here", { toTag: "t" }));
  assert.throws(() => h.tx.respond(buildResponse(h.tx.request, 200, "OK")), TransactionStateError);
});

test("non-INVITE server answers retransmissions with its last response and lingers for Timer J", () => {
  const h = serverHarness((r, d, e) => new NonInviteServerTransaction(r, d, e), "BYE");
  h.tx.start();
  h.tx.onRequestRetransmission();
  assert.deepEqual(h.statuses(), []);
  h.tx.respond(buildResponse(h.tx.request, 200, "OK"));
  h.tx.onRequestRetransmission();
  assert.deepEqual(h.statuses(), [200, 200]);
  assert.deepEqual(h.timerSets("J"), [640]);
  h.clock.advance(640);
  assert.equal(h.tx.state, "terminated");
});

test("non-INVITE client: Timer E doubles to T2, sticks at T2 once proceeding, Timer F times out", () => {
  const clock = new ManualClock();
  const events: ClientTxEvent[] = [];
  const sent: SipMessage[] = [];
  const tx = new NonInviteClientTransaction(request("BYE"), { clock, timers, reliable: false, send: async (m) => { sent.push(m); } }, (e) => events.push(e));
  tx.start();
  clock.advance(35);
  tx.onResponse(buildResponse(tx.request, 100, "Trying"));
  clock.advance(640 - 35);
  const eSets = events.flatMap((e) => (e.type === "timer_set" && e.timer === "E" ? [e.delayMs] : []));
  assert.deepEqual(eSets.slice(0, 5), [10, 20, 40, 40, 40]);
  const o = events.flatMap((e) => (e.type === "outcome" ? [e.outcome] : []));
  assert.equal(o.length, 1);
  assert.equal(o[0]?.kind, "timeout");
  if (o[0]?.kind === "timeout") {
    assert.equal(o[0].timer, "F");
    assert.equal(o[0].provisionals.count, 1);
  }
});

test("non-INVITE client: a final response moves to Completed and Timer K ends it", () => {
  const clock = new ManualClock();
  const events: ClientTxEvent[] = [];
  const tx = new NonInviteClientTransaction(request("OPTIONS"), { clock, timers, reliable: false, send: async () => {} }, (e) => events.push(e));
  tx.start();
  tx.onResponse(buildResponse(tx.request, 200, "OK"));
  assert.equal(tx.state, "completed");
  tx.onResponse(buildResponse(tx.request, 200, "OK"));
  assert.equal(events.filter((e) => e.type === "final").length, 1);
  clock.advance(50);
  assert.equal(tx.state, "terminated");
});
