// Two Parley stacks over TLS with a throwaway self-signed certificate made by openssl.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSipStack } from "../../src/sip/stack.js";
import type { SipTrace } from "../../src/sip/transport-layer.js";
import { within } from "./harness.js";

/** A self-signed certificate for 127.0.0.1 (node:crypto cannot make X.509, openssl can). */
function selfSigned(): { cert: string; key: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "parley-tls-"));
  try {
    const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1,IP:127.0.0.2"], { encoding: "utf8", timeout: 20_000 });
    if (r.status !== 0) return undefined;
    return { cert: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pem = selfSigned();

test("INVITE/200/ACK/BYE between two stacks over TLS, certificate verified", { skip: pem === undefined ? "openssl could not make a certificate" : false, timeout: 15_000 }, async () => {
  const { cert, key } = pem!;
  const tls = { cert, key, ca: cert, port: 0 };
  const a = createSipStack({ host: "127.0.0.1", port: 0, transports: ["udp"], tls, timers: { t1Ms: 50 } });
  const b = createSipStack({ host: "127.0.0.2", port: 0, transports: ["udp"], tls, timers: { t1Ms: 50 } });
  await a.listen();
  await b.listen();
  const traces: SipTrace[] = [];
  b.onMessage((t) => traces.push(t));
  try {
    const acked = new Promise<void>((resolve) => {
      b.onRequest((tx) => {
        if (tx.request.method === "INVITE") {
          tx.on((e) => { if (e.type === "ack") resolve(); });
          tx.respond(200, "OK", { headers: [["Contact", b.contact("tls")]] });
        } else tx.respond(200, "OK");
      });
    });
    const bTls = b.addresses.tls!;
    const tx = a.request(a.createRequest("INVITE", `sip:bob@${bTls.address}:${bTls.port};transport=tls`, { contactTransport: "tls" }));
    const out = await within(tx.outcome, 5000, "the INVITE outcome over TLS");
    assert.equal(out.kind === "final" && out.response.status, 200, JSON.stringify(out.kind === "transport_error" ? out.failure : out.kind));
    assert.ok(tx.dialog);
    await a.sendAck(tx.dialog);
    await within(acked, 5000, "the ACK over TLS");
    const bye = await within(a.requestInDialog(tx.dialog, "BYE").outcome, 5000, "the BYE outcome over TLS");
    assert.equal(bye.kind === "final" && bye.response.status, 200);
    const inbound = traces.filter((t) => t.type === "message" && t.direction === "in");
    assert.ok(inbound.length >= 3);
    assert.ok(inbound.every((t) => t.type === "message" && t.peer.transport === "tls"));
    const opened = traces.filter((t) => t.type === "connection" && t.event.type === "opened");
    assert.equal(opened.length, 1, "one TLS connection carried the whole call");
  } finally {
    await a.close();
    await b.close();
  }
});

test("a TLS peer whose certificate we do not trust fails as a tls_handshake transport error", { skip: pem === undefined ? "openssl could not make a certificate" : false, timeout: 15_000 }, async () => {
  const { cert, key } = pem!;
  const other = selfSigned();
  assert.ok(other);
  const a = createSipStack({ host: "127.0.0.1", port: 0, transports: ["udp"], tls: { cert: other.cert, key: other.key, ca: other.cert, port: 0 }, timers: { t1Ms: 50 } });
  const b = createSipStack({ host: "127.0.0.2", port: 0, transports: ["udp"], tls: { cert, key, port: 0 }, timers: { t1Ms: 50 } });
  await a.listen();
  await b.listen();
  try {
    const bTls = b.addresses.tls!;
    const tx = a.request(a.createRequest("INVITE", `sip:bob@${bTls.address}:${bTls.port};transport=tls`));
    const out = await within(tx.outcome, 5000, "the INVITE outcome");
    assert.equal(out.kind, "transport_error");
    if (out.kind === "transport_error") {
      assert.equal(out.failure.cause, "tls_handshake");
      assert.equal(out.failure.stage, "tls_handshake");
    }
  } finally {
    await a.close();
    await b.close();
  }
});
