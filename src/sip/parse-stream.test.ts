import { test } from "node:test";
import assert from "node:assert/strict";
import { SipStreamFramer, type FrameEvent } from "./parse-stream.js";

const msg = (cseq: number, body = ""): string =>
  [
    "OPTIONS sip:bob@127.0.0.1 SIP/2.0",
    `Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-${cseq}`,
    "From: <sip:alice@127.0.0.1>;tag=a",
    "To: <sip:bob@127.0.0.1>",
    "Call-ID: stream-test",
    `CSeq: ${cseq} OPTIONS`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ].join("\r\n");

function cseqs(events: FrameEvent[]): number[] {
  return events.flatMap((e) => (e.type === "message" ? [e.message.headers.cseq()!.seq] : []));
}

test("cuts messages by Content-Length whatever the chunking", () => {
  const wire = Buffer.from(msg(1, "hello") + msg(2) + msg(3, "é body"));
  for (let size = 1; size <= 64; size++) {
    const f = new SipStreamFramer();
    const events: FrameEvent[] = [];
    for (let i = 0; i < wire.length; i += size) events.push(...f.push(wire.subarray(i, i + size)));
    assert.deepEqual(cseqs(events), [1, 2, 3], `chunk size ${size}`);
    assert.equal(f.buffered, 0);
    const third = events[2];
    assert.ok(third?.type === "message" && third.message.body.toString() === "é body");
  }
});

test("double-CRLF keep-alives are reported as pings and skipped", () => {
  const f = new SipStreamFramer();
  const events = f.push(Buffer.from(`\r\n\r\n${msg(1)}\r\n\r\n`));
  assert.deepEqual(events.map((e) => e.type), ["ping", "message", "ping"]);
});

test("a frame that is cut cleanly but invalid is reported and the stream goes on", () => {
  const f = new SipStreamFramer();
  const bad = msg(1).replace("Call-ID: stream-test\r\n", "");
  const events = f.push(Buffer.from(bad + msg(2)));
  assert.equal(events[0]?.type, "invalid");
  if (events[0]?.type === "invalid") assert.equal(events[0].error.code, "missing_header");
  assert.deepEqual(cseqs(events), [2]);
});

test("missing Content-Length, oversize headers or body are fatal and stop the framer", () => {
  const noCl = msg(1).replace("Content-Length: 0\r\n", "");
  const a = new SipStreamFramer().push(Buffer.from(noCl));
  assert.equal(a[0]?.type, "fatal");
  const f = new SipStreamFramer({ maxHeadBytes: 256 });
  const big = f.push(Buffer.from(`OPTIONS sip:x SIP/2.0\r\nX-Pad: ${"a".repeat(400)}`));
  assert.equal(big[0]?.type, "fatal");
  if (big[0]?.type === "fatal") assert.equal(big[0].error.code, "too_large");
  assert.deepEqual(f.push(Buffer.from(msg(1))), []);
  const body = new SipStreamFramer({ maxBodyBytes: 10 }).push(Buffer.from(msg(1, "x".repeat(11))));
  assert.equal(body[0]?.type, "fatal");
});

test("a partial message stays buffered until its body arrives", () => {
  const f = new SipStreamFramer();
  const wire = msg(7, "0123456789");
  assert.deepEqual(f.push(Buffer.from(wire.slice(0, wire.length - 3))), []);
  assert.ok(f.buffered > 0);
  assert.deepEqual(cseqs(f.push(Buffer.from(wire.slice(wire.length - 3)))), [7]);
});
