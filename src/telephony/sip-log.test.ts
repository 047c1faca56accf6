import { test } from "node:test";
import assert from "node:assert/strict";
import { loggedBytes, maskSecrets } from "./sip-log.js";

test("digest proofs are masked in stored SIP messages, other headers untouched", () => {
  const raw = 'INVITE sip:a@b SIP/2.0\r\nProxy-Authorization: Digest username="alice", realm="r", nonce="n", uri="sip:a@b", response="0123abcd", algorithm=MD5\r\nAuthorization: Digest username="bob", response="ffee99"\r\nCall-ID: x\r\n\r\n';
  const m = maskSecrets(raw);
  assert.ok(!m.includes("0123abcd") && !m.includes("ffee99"));
  assert.match(m, /username="alice"/);
  assert.match(m, /Call-ID: x/);
});

test("a header name in any letter case is still masked", () => {
  const m = maskSecrets('BYE sip:a@b SIP/2.0\r\nAuThOrIzAtIoN: Digest username="u", response="deadbeef"\r\n\r\n');
  assert.ok(!m.includes("deadbeef"), m);
  assert.equal(maskSecrets("BYE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n"), "BYE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n");
});

test("logged bytes: a message without credentials is kept as it is; one with them is masked in any letter case", () => {
  const plain = Buffer.from("BYE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n");
  assert.equal(loggedBytes(plain), plain, "the same bytes, not a copy");
  const secret = Buffer.from('BYE sip:a@b SIP/2.0\r\nPROXY-AUTHORIZATION: Digest username="u", response="deadbeef"\r\nCall-ID: x\r\n\r\n');
  const logged = loggedBytes(secret).toString("utf8");
  assert.ok(!logged.includes("deadbeef"), logged);
  assert.match(logged, /username="u".*Call-ID: x/s);
});
