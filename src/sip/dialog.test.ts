import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCancel, dialogFromUac, dialogFromUas, DialogTable } from "./dialog.js";
import type { SipRequest, SipResponse } from "./message.js";
import { parseMessage } from "./parse.js";
import { buildResponse } from "./serialize.js";

function parse<T extends SipRequest | SipResponse>(lines: string[]): T {
  const r = parseMessage(Buffer.from([...lines, "Content-Length: 0", "", ""].join("\r\n")));
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return r.message as T;
}

const invite = (): SipRequest => parse([
  "INVITE sip:bob@biloxi.example SIP/2.0",
  "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKd1",
  "Route: <sip:p1.example;lr>",
  "From: \"Alice\" <sip:alice@atlanta.example>;tag=aaa",
  "To: <sip:bob@biloxi.example>",
  "Call-ID: dlg1@test",
  "CSeq: 10 INVITE",
  "Contact: <sip:alice@127.0.0.1:5060>",
  "Record-Route: <sip:p2.example;lr>, <sip:p1.example;lr>",
  "Max-Forwards: 70",
]);

function ok200(req: SipRequest): SipResponse {
  return buildResponse(req, 200, "OK", {
    toTag: "bbb",
    headers: [["Contact", "<sip:bob@127.0.0.2:5070;transport=tcp>"], ["Record-Route", "<sip:p2.example;lr>"], ["Record-Route", "<sip:p1.example;lr>"]],
  });
}

test("a UAC dialog takes the 2xx's Contact as target and its Record-Route reversed as route set", () => {
  const inv = invite();
  const d = dialogFromUac(inv, ok200(inv));
  assert.ok(d);
  assert.equal(d.state, "confirmed");
  assert.deepEqual(d.id, { callId: "dlg1@test", localTag: "aaa", remoteTag: "bbb" });
  assert.equal(d.remoteTarget, "sip:bob@127.0.0.2:5070;transport=tcp");
  assert.deepEqual(d.routeSet, ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]);
  const bye = d.createRequest("BYE");
  assert.equal(bye.uri, "sip:bob@127.0.0.2:5070;transport=tcp");
  assert.deepEqual(bye.headers.getAll("route"), ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]);
  assert.deepEqual(bye.headers.cseq(), { seq: 11, method: "BYE" });
  assert.equal(bye.headers.from()?.tag, "aaa");
  assert.equal(bye.headers.from()?.displayName, "Alice");
  assert.equal(bye.headers.to()?.tag, "bbb");
  assert.equal(d.createRequest("INFO").headers.cseq()?.seq, 12);
  const ack = d.createAck();
  assert.deepEqual(ack.headers.cseq(), { seq: 10, method: "ACK" }, "the 2xx ACK reuses the INVITE's CSeq number");
});

test("a UAS dialog keeps Record-Route in order and the INVITE's Contact as target; remote CSeq is enforced", () => {
  const inv = invite();
  const res = buildResponse(inv, 200, "OK", { toTag: "uas9" });
  const d = dialogFromUas(inv, res);
  assert.ok(d);
  assert.deepEqual(d.id, { callId: "dlg1@test", localTag: "uas9", remoteTag: "aaa" });
  assert.equal(d.remoteTarget, "sip:alice@127.0.0.1:5060");
  assert.deepEqual(d.routeSet, ["<sip:p2.example;lr>", "<sip:p1.example;lr>"]);
  const table = new DialogTable();
  table.add(d);
  const bye = parse<SipRequest>([
    "BYE sip:bob@127.0.0.2 SIP/2.0",
    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKd2",
    "From: <sip:alice@atlanta.example>;tag=aaa",
    "To: <sip:bob@biloxi.example>;tag=uas9",
    "Call-ID: dlg1@test",
    "CSeq: 11 BYE",
  ]);
  assert.equal(table.matchRequest(bye), d);
  assert.deepEqual(d.acceptRemoteRequest(bye), { ok: true });
  assert.deepEqual(d.acceptRemoteRequest(bye), { ok: false, status: 500, reason: "CSeq Out of Order" });
  const ourBye = d.createRequest("BYE");
  assert.equal(ourBye.headers.from()?.tag, "uas9");
  assert.equal(ourBye.headers.to()?.tag, "aaa");
  table.remove(d);
  assert.equal(table.matchRequest(bye), undefined);
  assert.equal(d.state, "terminated");
});

test("a first route without lr is strict routing: it becomes the Request-URI and the target goes last", () => {
  const inv = invite();
  const res = buildResponse(inv, 200, "OK", { toTag: "b", headers: [["Contact", "<sip:bob@10.0.0.2>"], ["Record-Route", "<sip:strict.example>"]] });
  const d = dialogFromUac(inv, res);
  assert.ok(d);
  const bye = d.createRequest("BYE");
  assert.equal(bye.uri, "sip:strict.example");
  assert.deepEqual(bye.headers.getAll("route"), ["<sip:bob@10.0.0.2>"]);
});

test("an early dialog from a tagged 180 is confirmed by the 2xx, which may change the target", () => {
  const inv = invite();
  const ringing = buildResponse(inv, 180, "Ringing", { toTag: "bbb", headers: [["Contact", "<sip:bob@early.example>"]] });
  const d = dialogFromUac(inv, ringing);
  assert.ok(d);
  assert.equal(d.state, "early");
  d.confirm(ok200(inv));
  assert.equal(d.state, "confirmed");
  assert.equal(d.remoteTarget, "sip:bob@127.0.0.2:5070;transport=tcp");
  assert.equal(dialogFromUac(inv, buildResponse(inv, 100, "Trying")), undefined, "no To tag, no dialog");
});

test("a CANCEL copies the INVITE's Request-URI, Via branch, From, To, Call-ID, CSeq number and Route", () => {
  const inv = invite();
  const c = buildCancel(inv, "SIP;cause=480;text=\"ring timeout\"");
  assert.equal(c.method, "CANCEL");
  assert.equal(c.uri, inv.uri);
  assert.equal(c.headers.via()?.branch, "z9hG4bKd1");
  assert.equal(c.headers.from()?.tag, "aaa");
  assert.equal(c.headers.to()?.tag, undefined);
  assert.deepEqual(c.headers.cseq(), { seq: 10, method: "CANCEL" });
  assert.deepEqual(c.headers.getAll("route"), ["<sip:p1.example;lr>"]);
  assert.equal(c.headers.reason()?.cause, 480);
});

test("a re-INVITE's 2xx refreshes the target but not the route set; its ACK carries the re-INVITE's CSeq", () => {
  const inv = invite();
  const d = dialogFromUac(inv, ok200(inv));
  assert.ok(d);
  const reinvite = d.createRequest("INVITE");
  assert.equal(reinvite.headers.cseq()?.seq, 11);
  const again = buildResponse(reinvite, 200, "OK", { headers: [["Contact", "<sip:bob@moved.example>"], ["Record-Route", "<sip:other.example;lr>"]] });
  d.confirm(again);
  assert.equal(d.remoteTarget, "sip:bob@moved.example");
  assert.deepEqual(d.routeSet, ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]);
  assert.deepEqual(d.createAck().headers.cseq(), { seq: 11, method: "ACK" });
});
