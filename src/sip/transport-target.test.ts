import { test } from "node:test";
import assert from "node:assert/strict";
import { nextHop, uriToPeer } from "./transport-target.js";

test("URIs resolve to transport, address and default ports", () => {
  assert.deepEqual(uriToPeer("sip:bob@127.0.0.1"), { ok: true, peer: { transport: "udp", address: "127.0.0.1", port: 5060 } });
  assert.deepEqual(uriToPeer("sip:bob@127.0.0.1:5070;transport=tcp"), { ok: true, peer: { transport: "tcp", address: "127.0.0.1", port: 5070 } });
  assert.deepEqual(uriToPeer("sips:bob@[::1]"), { ok: true, peer: { transport: "tls", address: "::1", port: 5061 } });
  assert.equal(uriToPeer("tel:+14155550123").ok, false);
  assert.equal(uriToPeer("sip:bob@h;transport=sctp").ok, false);
});

test("the top Route wins over the Request-URI", () => {
  const r = nextHop("sip:bob@10.0.0.1", ["<sip:127.0.0.3:5080;lr;transport=tcp>", "<sip:x;lr>"]);
  assert.deepEqual(r, { ok: true, peer: { transport: "tcp", address: "127.0.0.3", port: 5080 } });
});
