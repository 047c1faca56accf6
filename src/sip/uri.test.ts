import { test } from "node:test";
import assert from "node:assert/strict";
import { formatUri, parseUri, uriTransport } from "./uri.js";

test("parses user, password, host, port, params and headers", () => {
  const u = parseUri("sips:alice:secr%65t@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent");
  assert.ok(u);
  assert.equal(u.scheme, "sips");
  assert.equal(u.user, "alice");
  assert.equal(u.password, "secret");
  assert.equal(u.host, "atlanta.example.com");
  assert.equal(u.port, 5061);
  assert.equal(u.params.get("transport"), "tcp");
  assert.equal(u.params.get("lr"), null);
  assert.deepEqual(u.headers, [["subject", "project x"], ["priority", "urgent"]]);
  assert.equal(uriTransport(u), "TCP");
});

test("IPv6 references keep their brackets, with and without a port", () => {
  assert.equal(parseUri("sip:[2001:db8::10]:5070")?.host, "[2001:db8::10]");
  assert.equal(parseUri("sip:[2001:db8::10]:5070")?.port, 5070);
  assert.equal(parseUri("sip:bob@[::1];transport=udp")?.host, "[::1]");
  assert.equal(parseUri("sip:[::1"), undefined);
});

test("tel URIs and rejection of other schemes and broken input", () => {
  const t = parseUri("tel:+1-201-555-0123;phone-context=example.com");
  assert.equal(t?.scheme, "tel");
  assert.equal(t?.user, "+1-201-555-0123");
  assert.equal(t?.params.get("phone-context"), "example.com");
  for (const bad of ["http://x", "sip:", "sip:bob@", "sip:bob@host:99999", "sip:a%zz@h", "sip:bob@ho st", "<sip:bob@h>", "nocolon"]) {
    assert.equal(parseUri(bad), undefined, bad);
  }
});

test("format escapes what the grammar needs and round-trips", () => {
  const u = parseUri("sip:I%20have%20spaces@example.net;n%61me=v%61lue%25%34%31")!;
  assert.equal(u.user, "I have spaces");
  const s = formatUri(u);
  assert.equal(s, "sip:I%20have%20spaces@example.net;name=value%2541");
  assert.deepEqual(parseUri(s), u);
  assert.equal(formatUri({ scheme: "sip", user: "+15551234567", host: "10.0.0.1", port: 5060, params: new Map([["user", "phone"]]), headers: [] }), "sip:+15551234567@10.0.0.1:5060;user=phone");
});
