import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequest } from "./message.js";
import { parseMessage } from "./parse.js";
import { buildResponse, newBranch, serializeMessage } from "./serialize.js";

const req = () =>
  createRequest(
    "INVITE",
    "sip:bob@127.0.0.1",
    [
      ["Via", "SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bK1"],
      ["Via", "SIP/2.0/UDP 127.0.0.3:5070;branch=z9hG4bK0"],
      ["From", "<sip:alice@127.0.0.2>;tag=a"],
      ["To", "<sip:bob@127.0.0.1>"],
      ["Call-ID", "c1"],
      ["CSeq", "1 INVITE"],
      ["Timestamp", "54"],
      ["Content-Length", "999"],
    ],
    "v=0\r\n",
  );

test("Content-Length always matches the body, names are canonical, line breaks cannot inject headers", () => {
  const r = req();
  r.headers.append("subject", "hi\r\nX-Injected: yes");
  const wire = serializeMessage(r).toString();
  assert.match(wire, /\r\nContent-Length: 5\r\n\r\nv=0\r\n$/);
  assert.ok(!wire.includes("999"));
  assert.match(wire, /\r\nSubject: hi X-Injected: yes\r\n/);
  const p = parseMessage(Buffer.from(wire));
  assert.ok(p.ok && !p.message.headers.has("x-injected"));
});

test("buildResponse copies Via (all, in order), From, To, Call-ID, CSeq and adds a To tag on request", () => {
  const r = req();
  const trying = buildResponse(r, 100, "Trying", { toTag: true });
  assert.equal(trying.headers.to()?.tag, undefined, "100 Trying never carries a To tag");
  assert.equal(trying.headers.get("timestamp"), "54");
  const ok = buildResponse(r, 200, "OK", { toTag: true, headers: [["Contact", "<sip:bob@127.0.0.1>"]], body: "v=0\r\n", contentType: "application/sdp" });
  assert.deepEqual(ok.headers.getAll("via"), r.headers.getAll("via"));
  assert.equal(ok.headers.from()?.tag, "a");
  assert.match(ok.headers.to()?.tag ?? "", /^[0-9a-f]{12}$/);
  assert.equal(ok.headers.callId(), "c1");
  assert.deepEqual(ok.headers.cseq(), { seq: 1, method: "INVITE" });
  assert.equal(ok.headers.get("timestamp"), undefined);
  const p = parseMessage(serializeMessage(ok));
  assert.ok(p.ok && p.message.kind === "response" && p.message.status === 200 && p.message.body.toString() === "v=0\r\n");
  r.headers.set("To", "<sip:bob@127.0.0.1>;tag=existing");
  assert.equal(buildResponse(r, 486, "Busy Here", { toTag: "new" }).headers.to()?.tag, "existing");
  assert.ok(newBranch().startsWith("z9hG4bK") && newBranch() !== newBranch());
});
