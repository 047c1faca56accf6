import { test } from "node:test";
import assert from "node:assert/strict";
import type { SipRequest } from "./message.js";
import { parseMessage } from "./parse.js";
import { buildResponse } from "./serialize.js";
import { responseTarget, stampReceived } from "./transport-layer.js";

function req(via: string, extraVia?: string): SipRequest {
  const lines = ["OPTIONS sip:x@127.0.0.1 SIP/2.0", `Via: ${via}`, ...(extraVia ? [`Via: ${extraVia}`] : []),
    "From: <sip:a@h>;tag=1", "To: <sip:x@h>", "Call-ID: c", "CSeq: 1 OPTIONS", "Content-Length: 0", "", ""];
  const r = parseMessage(Buffer.from(lines.join("\r\n")));
  assert.ok(r.ok && r.message.kind === "request");
  return r.message;
}

const src = { transport: "udp" as const, address: "192.0.2.7", port: 40123 };

test("rport is filled with the source port and received with the source address (RFC 3581)", () => {
  const r = req("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa;rport", "SIP/2.0/UDP proxy.example;branch=z9hG4bKb");
  stampReceived(r, src);
  const vias = r.headers.vias();
  assert.equal(vias.length, 2);
  assert.equal(vias[0]?.received, "192.0.2.7");
  assert.equal(vias[0]?.rport, 40123);
  assert.equal(vias[0]?.branch, "z9hG4bKa");
  assert.equal(vias[1]?.host, "proxy.example", "lower Vias stay in order");
  const res = buildResponse(r, 200, "OK");
  assert.deepEqual(responseTarget(res, { transport: "udp", source: src }), { transport: "udp", address: "192.0.2.7", port: 40123 });
});

test("received is added only when sent-by differs from the source; without rport the sent-by port is used", () => {
  const same = req("SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKa");
  stampReceived(same, src);
  assert.equal(same.headers.via()?.received, undefined);
  const other = req("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKa");
  stampReceived(other, src);
  assert.equal(other.headers.via()?.received, "192.0.2.7");
  assert.deepEqual(responseTarget(buildResponse(other, 200, "OK"), { transport: "udp", source: src }), { transport: "udp", address: "192.0.2.7", port: 5070 });
  const noPort = req("SIP/2.0/TLS 192.0.2.7;branch=z9hG4bKa");
  assert.deepEqual(responseTarget(buildResponse(noPort, 200, "OK"), { transport: "tls", source: { ...src, transport: "tls" } }), { transport: "tls", address: "192.0.2.7", port: 5061 });
});

test("socket errors are classified with the stage they happened in", async () => {
  const { classifySocketError } = await import("./transport-error.js");
  assert.deepEqual(classifySocketError(Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" }), "send", "udp:x:5060"),
    { cause: "dns_failed", stage: "resolve", message: "getaddrinfo ENOTFOUND x", code: "ENOTFOUND", target: "udp:x:5060" });
  assert.equal(classifySocketError(Object.assign(new Error("r"), { code: "ECONNREFUSED" }), "connect").cause, "connect_refused");
  assert.equal(classifySocketError(Object.assign(new Error("c"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }), "tls_handshake").cause, "tls_handshake");
  assert.equal(classifySocketError(Object.assign(new Error("p"), { code: "EPIPE" }), "send").cause, "connection_reset");
});
