import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { classifyDialError } from "../../src/llm-socket/dial.js";
import { LlmSocket } from "../../src/llm-socket/index.js";
import { within } from "./fake-llm-server.js";

const timing = { openAttempts: 1, openTimeoutMs: 2000 };

function err(code: string, message = code): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

test("dial errors are named: DNS, refused, TLS, handshake, other", () => {
  assert.equal(classifyDialError(err("ENOTFOUND", "getaddrinfo ENOTFOUND llm.example"), false).kind, "dns");
  assert.equal(classifyDialError(err("EAI_AGAIN"), true).kind, "dns");
  assert.equal(classifyDialError(err("ECONNREFUSED"), false).kind, "refused");
  assert.equal(classifyDialError(err("CERT_HAS_EXPIRED"), true).kind, "tls");
  assert.equal(classifyDialError(err("ERR_TLS_CERT_ALTNAME_INVALID"), true).kind, "tls");
  assert.equal(classifyDialError(new Error("Invalid Sec-WebSocket-Accept header"), false).kind, "handshake");
  assert.equal(classifyDialError(err("ECONNRESET"), false).kind, "network");
});

test("wss:// to a plain HTTP port is a TLS failure", async () => {
  const http = createHttpServer((_q, r) => r.end("plain"));
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  try {
    const sock = new LlmSocket({ url: `wss://127.0.0.1:${(http.address() as AddressInfo).port}/llm`, callId: "call_tls", timing });
    const end = await within(sock.start(), 3000, "start");
    assert.equal(end?.reason, "error_llm_websocket_open");
    assert.equal(end?.subReason, "tls");
  } finally {
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  }
});

test("wss:// to a server with a self-signed certificate is a TLS failure naming the certificate", async () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-tls-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    const https = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (_q, r) => r.end());
    await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
    try {
      const sock = new LlmSocket({ url: `wss://127.0.0.1:${(https.address() as AddressInfo).port}/llm`, callId: "call_tls", timing });
      const end = await within(sock.start(), 3000, "start");
      assert.equal(end?.subReason, "tls");
      assert.match(end?.message ?? "", /self.signed/i);
    } finally {
      https.closeAllConnections();
      await new Promise<void>((r) => https.close(() => r()));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
