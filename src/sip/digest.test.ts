import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { authorizeRequest, buildAuthorization, digestHa1, digestResponse, DigestServer, parseChallenge, pickChallenge } from "./digest.js";
import { createRequest, type SipRequest } from "./message.js";
import { parseMessage } from "./parse.js";
import { buildResponse, serializeMessage } from "./serialize.js";

/** The parts of the CommonJS `sip` package (kirm) used as the independent peer. */
interface KirmMessage {
  method?: string;
  headers: Record<string, unknown>;
}
interface KirmSip {
  parse(data: Buffer | string): KirmMessage | undefined;
  stringify(m: KirmMessage): string;
}
interface KirmDigest {
  signRequest(ctx: object | undefined, rq: KirmMessage, rs: KirmMessage, creds: { user: string; password: string }): unknown;
  challenge(ctx: object, rs: KirmMessage): KirmMessage;
  authenticateRequest(ctx: object, rq: KirmMessage, creds: { user: string; password: string }): boolean;
}
const require = createRequire(import.meta.url);
const kirm = require("sip") as KirmSip;
const kirmDigest = require("sip/digest") as KirmDigest;

test("RFC 2617 §3.5 example (MD5, qop=auth)", () => {
  const r = digestResponse({
    algorithm: "MD5", username: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life",
    nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", method: "GET", uri: "/dir/index.html", qop: "auth",
    nc: "00000001", cnonce: "0a4f113b", body: undefined,
  });
  assert.equal(r, "6629fae49393a05397450978507c4ef1");
});

test("RFC 7616 §3.9.1 examples (SHA-256 and MD5)", () => {
  const base = {
    username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life",
    nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", method: "GET", uri: "/dir/index.html", qop: "auth",
    nc: "00000001", cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", body: undefined,
  };
  assert.equal(digestResponse({ ...base, algorithm: "SHA-256" }), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  assert.equal(digestResponse({ ...base, algorithm: "MD5" }), "8ca523f5e9506fed4657c9700eebdbec");
});

test("challenge parsing and choice prefer SHA-256; unknown algorithms are skipped", () => {
  const c = pickChallenge([
    'Digest realm="a", nonce="n1", algorithm=MD5, qop="auth,auth-int", opaque="o"',
    'Digest realm="a", nonce="n2", algorithm=SHA-256, qop="auth"',
    'Digest realm="a", nonce="n3", algorithm=SHA-512-256',
  ]);
  assert.equal(c?.algorithm, "SHA-256");
  assert.equal(c?.nonce, "n2");
  assert.deepEqual(parseChallenge('Digest realm="a", nonce="n1", qop="auth,auth-int", stale=TRUE')?.qop, ["auth", "auth-int"]);
  assert.equal(parseChallenge('Digest realm="a", nonce="n1", stale=TRUE')?.stale, true);
  assert.equal(parseChallenge('Basic realm="a"'), undefined);
  assert.equal(parseChallenge('Digest nonce="n"'), undefined);
});

const invite = (): SipRequest =>
  createRequest("INVITE", "sip:bob@127.0.0.1:5080", [
    ["Via", "SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bK-digest"],
    ["Max-Forwards", "70"],
    ["From", "<sip:alice@127.0.0.2>;tag=1"],
    ["To", "<sip:bob@127.0.0.1>"],
    ["Call-ID", "digest-test"],
    ["CSeq", "1 INVITE"],
  ]);

test("our client answers our server, for each algorithm, with and without qop; wrong password fails", () => {
  for (const algorithm of ["MD5", "SHA-256", "SHA-256-sess", "MD5-sess"] as const) {
    const server = new DigestServer({ realm: "parley.test", algorithms: [algorithm] });
    const req = invite();
    const challenge = buildResponse(req, 407, "Proxy Authentication Required", {
      headers: server.challenge().map((v) => ["Proxy-Authenticate", v] as const),
    });
    const auth = authorizeRequest(req, challenge, { username: "alice", password: "s3cret" });
    assert.equal(auth?.name, "Proxy-Authorization");
    const lookup = (u: string) => (u === "alice" ? { password: "s3cret" } : undefined);
    assert.deepEqual(server.verify(auth!.value, "INVITE", lookup), { ok: true, username: "alice" }, algorithm);
    const wrong = authorizeRequest(req, challenge, { username: "alice", password: "nope" });
    assert.equal(server.verify(wrong!.value, "INVITE", lookup).ok, false);
    assert.equal(server.verify(auth!.value, "BYE", lookup).ok, false, "method is part of the digest");
  }
  const server = new DigestServer({ realm: "r", algorithms: ["MD5"] });
  const noQop = parseChallenge(server.challenge()[0]!.replace(', qop="auth"', ""))!;
  const v = buildAuthorization({ challenge: noQop, method: "REGISTER", uri: "sip:r", username: "u", password: "p" });
  assert.ok(!v.includes("qop="));
  assert.equal(server.verify(v, "REGISTER", () => ({ ha1: { MD5: digestHa1("MD5", "u", "r", "p") } })).ok, true);
});

test("nonces: forged ones are refused, expired ones are stale only when the password is right", () => {
  let now = 1_000_000;
  const server = new DigestServer({ realm: "r", nonceTtlMs: 1000, algorithms: ["MD5"], now: () => now });
  const c = parseChallenge(server.challenge()[0]!)!;
  const answer = buildAuthorization({ challenge: c, method: "INVITE", uri: "sip:x@r", username: "u", password: "p" });
  const lookup = () => ({ password: "p" });
  assert.equal(server.verify(answer, "INVITE", lookup).ok, true);
  now += 5000;
  assert.deepEqual(server.verify(answer, "INVITE", lookup), { ok: false, reason: "stale", stale: true });
  const other = new DigestServer({ realm: "r", algorithms: ["MD5"] });
  assert.equal(other.verify(answer, "INVITE", lookup).ok === false && "bad_nonce", "bad_nonce");
  assert.deepEqual(server.verify("Digest garbage", "INVITE", lookup), { ok: false, reason: "malformed" });
  assert.deepEqual(server.verify(undefined, "INVITE", lookup), { ok: false, reason: "missing" });
});

test("interop: the sip package signs a request for our challenge, and our server accepts it", () => {
  const server = new DigestServer({ realm: "parley.test", algorithms: ["MD5"] });
  const req = invite();
  const challenge = buildResponse(req, 401, "Unauthorized", { headers: server.challenge().map((v) => ["WWW-Authenticate", v] as const) });
  const kreq = kirm.parse(serializeMessage(req))!;
  const kres = kirm.parse(serializeMessage(challenge))!;
  kirmDigest.signRequest({}, kreq, kres, { user: "alice", password: "s3cret" });
  const signed = parseMessage(Buffer.from(kirm.stringify(kreq)));
  assert.ok(signed.ok);
  if (!signed.ok) return;
  const lookup = (u: string) => (u === "alice" ? { password: "s3cret" } : undefined);
  assert.deepEqual(server.verify(signed.message.headers.authorization()[0], "INVITE", lookup), { ok: true, username: "alice" });
  assert.equal(server.verify(signed.message.headers.authorization()[0], "INVITE", () => ({ password: "x" })).ok, false);
});

test("interop: we answer the sip package's challenge and it authenticates us", () => {
  const req = invite();
  const ctx = { realm: "kirm.test" };
  const k401 = kirm.parse(serializeMessage(buildResponse(req, 401, "Unauthorized")))!;
  kirmDigest.challenge(ctx, k401);
  const ours = parseMessage(Buffer.from(kirm.stringify(k401)));
  assert.ok(ours.ok && ours.message.kind === "response");
  if (!ours.ok || ours.message.kind !== "response") return;
  const auth = authorizeRequest(req, ours.message, { username: "bob", password: "pw" });
  assert.ok(auth);
  req.headers.append(auth.name, auth.value);
  const kreq = kirm.parse(serializeMessage(req))!;
  assert.equal(kirmDigest.authenticateRequest(ctx, kreq, { user: "bob", password: "pw" }), true);
  const wrong = invite();
  const bad = authorizeRequest(wrong, ours.message, { username: "bob", password: "wrong" })!;
  wrong.headers.append(bad.name, bad.value);
  // A fresh verifier context on the same nonce (nc restarts at 1), so only the password differs.
  const fresh = { realm: "kirm.test", nonce: (ctx as { nonce?: string }).nonce };
  assert.equal(kirmDigest.authenticateRequest(fresh, kirm.parse(serializeMessage(wrong))!, { user: "bob", password: "pw" }), false);
  const right = invite();
  right.headers.append(auth.name, auth.value);
  const again = { realm: "kirm.test", nonce: (ctx as { nonce?: string }).nonce };
  assert.equal(kirmDigest.authenticateRequest(again, kirm.parse(serializeMessage(right))!, { user: "bob", password: "pw" }), true);
});

test("a replayed credential (same nonce, same or lower nc) is refused; the next nc is accepted", () => {
  const server = new DigestServer({ realm: "r", algorithms: ["SHA-256"] });
  const c = parseChallenge(server.challenge()[0]!)!;
  const lookup = () => ({ password: "p" });
  const first = buildAuthorization({ challenge: c, method: "REGISTER", uri: "sip:r", username: "u", password: "p", nc: 1 });
  assert.equal(server.verify(first, "REGISTER", lookup).ok, true);
  assert.deepEqual(server.verify(first, "REGISTER", lookup), { ok: false, reason: "replay" });
  const second = buildAuthorization({ challenge: c, method: "REGISTER", uri: "sip:r", username: "u", password: "p", nc: 2 });
  assert.equal(server.verify(second, "REGISTER", lookup).ok, true);
});
