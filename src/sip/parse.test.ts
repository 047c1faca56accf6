import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMessage } from "./parse.js";
import { serializeMessage, buildResponse } from "./serialize.js";

const INVITE = [
  "INVITE sip:bob@biloxi.example.com SIP/2.0",
  "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport",
  "v: SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bKabc, SIP/2.0/UDP [2001:db8::1]:5080;branch=z9hG4bKdef;received=1.2.3.4",
  "Max-Forwards: 70",
  "To: Bob <sip:bob@biloxi.example.com>",
  'f: "Alice \\"A\\"" <sip:alice@atlanta.example.com>;tag=1928301774',
  "i: a84b4c76e66710@pc33.atlanta.example.com",
  "CSeq: 314159 INVITE",
  "Contact: <sip:alice@pc33.atlanta.example.com>",
  "Subject: folded",
  "  across lines",
  "c: application/sdp",
  "l: 4",
  "",
  "v=0\r\nextra",
].join("\r\n");

test("parses an INVITE with compact forms, folding, Via list and a quoted display name", () => {
  const r = parseMessage(Buffer.from(INVITE));
  assert.equal(r.ok, true, r.ok ? "" : r.error.message);
  if (!r.ok) return;
  const m = r.message;
  assert.equal(m.kind, "request");
  if (m.kind !== "request") return;
  assert.equal(m.method, "INVITE");
  assert.equal(m.uri, "sip:bob@biloxi.example.com");
  assert.equal(m.body.toString(), "v=0\r");
  const vias = m.headers.vias();
  assert.equal(vias.length, 3);
  assert.equal(vias[0]?.branch, "z9hG4bK776asdhds");
  assert.equal(vias[0]?.rport, true);
  assert.equal(vias[1]?.transport, "TCP");
  assert.equal(vias[1]?.port, 5070);
  assert.equal(vias[2]?.host, "[2001:db8::1]");
  assert.equal(vias[2]?.received, "1.2.3.4");
  assert.equal(m.headers.from()?.displayName, 'Alice "A"');
  assert.equal(m.headers.from()?.tag, "1928301774");
  assert.equal(m.headers.to()?.uri, "sip:bob@biloxi.example.com");
  assert.equal(m.headers.to()?.displayName, "Bob");
  assert.deepEqual(m.headers.cseq(), { seq: 314159, method: "INVITE" });
  assert.equal(m.headers.callId(), "a84b4c76e66710@pc33.atlanta.example.com");
  assert.equal(m.headers.get("subject"), "folded across lines");
  assert.equal(m.headers.contentType()?.mime, "application/sdp");
  assert.equal(m.headers.maxForwards(), 70);
});

test("a message with UTF-8 in its head or body parses like its ASCII twin (byte offsets, not char offsets)", () => {
  for (const [name, body] of [["Zoë Ångström", "v=0\r\n"], ["Zoe", "s=Café ☕\r\n"], ["Zoë", "s=☕\r\n"]] as const) {
    const bytes = Buffer.byteLength(body);
    const wire = INVITE.replace("Subject: folded", `Subject: ${name}`).replace("l: 4", `l: ${bytes}`)
      .replace("v=0\r\nextra", `${body}trailing`);
    const r = parseMessage(Buffer.from(wire));
    assert.ok(r.ok, r.ok ? "" : r.error.message);
    if (!r.ok) return;
    assert.equal(r.message.headers.get("subject"), `${name} across lines`);
    assert.equal(r.message.body.toString(), body);
    assert.equal(r.message.headers.from()?.tag, "1928301774");
  }
});

test("serialize then parse round-trips, and buildResponse copies the dialog headers", () => {
  const r = parseMessage(Buffer.from(INVITE));
  assert.ok(r.ok);
  if (!r.ok || r.message.kind !== "request") return;
  const wire = serializeMessage(r.message);
  const again = parseMessage(wire);
  assert.ok(again.ok);
  if (!again.ok) return;
  assert.deepEqual(again.message.headers.entries(), r.message.headers.entries().map(([n, v]) => [n, n === "Content-Length" ? "4" : v]));
  const resp = buildResponse(r.message, 180, "Ringing", { toTag: "xyz" });
  assert.equal(resp.headers.getAll("via").length, 3);
  assert.equal(resp.headers.to()?.tag, "xyz");
  assert.equal(resp.headers.callId(), r.message.headers.callId());
  const p = parseMessage(serializeMessage(resp));
  assert.ok(p.ok);
  if (p.ok && p.message.kind === "response") assert.equal(p.message.status, 180);
});

test("rejects a request without Call-ID but still reports the readable headers", () => {
  const bad = INVITE.replace("i: a84b4c76e66710@pc33.atlanta.example.com\r\n", "");
  const r = parseMessage(Buffer.from(bad));
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.error.code, "missing_header");
  assert.equal(r.error.partial?.method, "INVITE");
  assert.ok(r.error.partial?.via?.startsWith("SIP/2.0/UDP pc33"));
});

const OPTIONS = (extra = ""): string =>
  `OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2;branch=z9hG4bKo\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:x@h>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\n${extra}\r\n`;

test("size limits: message, header count and line length are configurable", () => {
  assert.equal(parseMessage(Buffer.from(OPTIONS()), { maxMessageBytes: 50 }).ok === false, true);
  const big = parseMessage(Buffer.from(OPTIONS()), { maxMessageBytes: 50 });
  assert.equal(big.ok ? "" : big.error.code, "too_large");
  const many = parseMessage(Buffer.from(OPTIONS("X-A: 1\r\n".repeat(20))), { maxHeaders: 10 });
  assert.equal(many.ok ? "" : many.error.code, "too_many_headers");
  const long = parseMessage(Buffer.from(OPTIONS(`X-A: ${"a".repeat(300)}\r\n`)), { maxLineBytes: 200 });
  assert.equal(long.ok ? "" : long.error.code, "line_too_long");
  assert.ok(parseMessage(Buffer.from(OPTIONS(`X-A: ${"a".repeat(300)}\r\n`))).ok);
});

test("leading CRLFs are skipped, bare-LF messages parse, keep-alives alone are 'empty'", () => {
  assert.ok(parseMessage(Buffer.from(`\r\n\r\n${OPTIONS()}`)).ok);
  assert.ok(parseMessage(Buffer.from(OPTIONS().replace(/\r\n/g, "\n"))).ok);
  const e = parseMessage(Buffer.from("\r\n\r\n"));
  assert.equal(e.ok ? "" : e.error.code, "empty");
});

test("Max-Forwards is optional unless asked; Content-Length is required only on streams", () => {
  assert.ok(parseMessage(Buffer.from(OPTIONS())).ok);
  const mf = parseMessage(Buffer.from(OPTIONS()), { requireMaxForwards: true });
  assert.equal(mf.ok ? "" : mf.error.code, "missing_header");
  const cl = parseMessage(Buffer.from(OPTIONS()), { requireContentLength: true });
  assert.equal(cl.ok ? "" : cl.error.code, "bad_content_length");
  assert.ok(parseMessage(Buffer.from(OPTIONS("Content-Length: 0\r\n")), { requireContentLength: true }).ok);
});

test("a response with a body and an unknown version request with enough left for a 505", () => {
  const r = parseMessage(Buffer.from("SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKb\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: r1\r\nCSeq: 1 INVITE\r\nReason: Q.850;cause=17\r\nContent-Length: 0\r\n\r\n"));
  assert.ok(r.ok && r.message.kind === "response");
  if (r.ok && r.message.kind === "response") {
    assert.equal(r.message.status, 486);
    assert.equal(r.message.reason, "Busy Here");
    assert.equal(r.message.headers.reason()?.cause, 17);
  }
  const v = parseMessage(Buffer.from(OPTIONS().replace("SIP/2.0\r\n", "SIP/3.0\r\n")));
  assert.equal(v.ok ? "" : v.error.code, "bad_version");
  assert.equal(v.ok ? "" : v.error.partial?.callId, "o1");
  for (const bad of ["SIP/2.0 99 Low\r\n", "SIP/2.0 700 High\r\n", "SIP/2.0 2000 X\r\n", "INVITE\r\n", "INVITE sip:x\r\n", "IN VITE sip:x SIP/2.0\r\n", "INV@TE sip:x SIP/2.0\r\n"]) {
    const p = parseMessage(Buffer.from(`${bad}Call-ID: x\r\n\r\n`));
    assert.equal(p.ok ? "" : p.error.code, "bad_start_line", bad);
  }
});

test("a bare CR inside a header line is rejected (it would become a line break on resend)", () => {
  const r = parseMessage(Buffer.from(OPTIONS("X-A: a\rb\r\n")));
  assert.equal(r.ok ? "" : r.error.code, "bad_header");
  const v = parseMessage(Buffer.from(OPTIONS().replace("SIP/2.0/UDP 127", "SIP/2.0/U\rDP 127")));
  assert.equal(v.ok, false);
});
