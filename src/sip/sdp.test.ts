import { test } from "node:test";
import assert from "node:assert/strict";
import { acceptAnswer, answerDirection, buildAudioOffer, mediaCodecs, mediaDirection, negotiate, parseSdp, serializeSdp } from "./sdp.js";

const OFFER = [
  "v=0",
  "o=carrier 123456 654321 IN IP4 198.51.100.20",
  "s=SBC",
  "c=IN IP4 198.51.100.20",
  "t=0 0",
  "m=audio 40000 RTP/AVP 18 8 0 96",
  "a=rtpmap:18 G729/8000",
  "a=fmtp:18 annexb=no",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:96 telephone-event/8000",
  "a=fmtp:96 0-15",
  "a=ptime:30",
  "a=sendrecv",
  "m=video 40002 RTP/AVP 31",
  "",
].join("\r\n");

test("parses and re-serializes an offer, static payload types included", () => {
  const r = parseSdp(OFFER);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.sdp.origin.sessionId, "123456");
  assert.equal(r.sdp.connection?.address, "198.51.100.20");
  const audio = r.sdp.media[0]!;
  assert.deepEqual(mediaCodecs(audio).map((c) => [c.pt, c.name, c.fmtp]), [
    [18, "G729", "annexb=no"], [8, "PCMA", undefined], [0, "PCMU", undefined], [96, "telephone-event", "0-15"],
  ]);
  assert.equal(mediaDirection(r.sdp, audio), "sendrecv");
  const again = parseSdp(serializeSdp(r.sdp));
  assert.ok(again.ok);
  if (again.ok) assert.deepEqual(again.sdp, r.sdp);
});

test("negotiate picks the offerer's first codec we support, keeps its telephone-event PT, rejects video", () => {
  const r = negotiate(OFFER, { address: "127.0.0.1", port: 20000 });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.audio.codec.name, "PCMA");
  assert.equal(r.audio.codec.pt, 8);
  assert.equal(r.audio.telephoneEventPt, 96);
  assert.equal(r.audio.remoteAddress, "198.51.100.20");
  assert.equal(r.audio.remotePort, 40000);
  assert.equal(r.audio.ptimeMs, 30);
  assert.equal(r.answer.media.length, 2);
  assert.equal(r.answer.media[1]!.port, 0);
  const text = serializeSdp(r.answer);
  assert.match(text, /^m=audio 20000 RTP\/AVP 8 96\r$/m);
  assert.match(text, /^a=fmtp:96 0-16\r$/m);
  assert.match(text, /^c=IN IP4 127\.0\.0\.1\r$/m);
});

test("no common codec and no audio are clear failures (the caller answers 488)", () => {
  const g729only = OFFER.replace("m=audio 40000 RTP/AVP 18 8 0 96", "m=audio 40000 RTP/AVP 18");
  const a = negotiate(g729only, { address: "127.0.0.1", port: 20000 });
  assert.deepEqual(a.ok ? null : a.reason, "no_common_codec");
  const b = negotiate(OFFER.replace("m=audio 40000", "m=audio 0"), { address: "127.0.0.1", port: 20000 });
  assert.deepEqual(b.ok ? null : b.reason, "no_audio");
  const c = negotiate("not sdp", { address: "127.0.0.1", port: 20000 });
  assert.deepEqual(c.ok ? null : c.reason, "bad_offer");
  const d = negotiate(OFFER, { address: "127.0.0.1", port: 20000, codecs: ["PCMU"], telephoneEvent: false });
  assert.ok(d.ok && d.audio.codec.name === "PCMU" && d.audio.telephoneEventPt === undefined);
});

test("directions follow RFC 3264 §6.1, including hold offers", () => {
  assert.equal(answerDirection("sendonly", "sendrecv"), "recvonly");
  assert.equal(answerDirection("recvonly", "sendrecv"), "sendonly");
  assert.equal(answerDirection("inactive", "sendrecv"), "inactive");
  assert.equal(answerDirection("sendrecv", "recvonly"), "recvonly");
  const hold = negotiate(OFFER.replace("a=sendrecv", "a=sendonly"), { address: "127.0.0.1", port: 20000 });
  assert.ok(hold.ok && hold.audio.direction === "recvonly");
});

test("our own offer is answerable by our own negotiate, and malformed SDP is an error, not a throw", () => {
  const offer = buildAudioOffer({ address: "127.0.0.1", port: 20002, sessionId: "1", sessionVersion: "1" });
  const text = serializeSdp(offer);
  assert.match(text, /^m=audio 20002 RTP\/AVP 0 8 101\r$/m);
  const r = negotiate(text, { address: "127.0.0.2", port: 30000, codecs: ["PCMA", "PCMU"] });
  assert.ok(r.ok && r.audio.codec.name === "PCMU" && r.audio.telephoneEventPt === 101);
  for (const bad of ["", "v=1\r\n", "v=0\r\no=x\r\n", "v=0\r\no=a 1 1 IN IP4 h\r\nm=audio x RTP/AVP 0\r\n", "v=0\r\nbogus\r\n", "v=0\r\no=a 1 1 IN IP4 h\r\nc=IN\r\n"]) {
    assert.equal(parseSdp(bad).ok, false, JSON.stringify(bad));
  }
});

test("acceptAnswer reads the peer's answer to our offer; old-style hold (c=0.0.0.0) means we stop sending", () => {
  const offer = buildAudioOffer({ address: "127.0.0.1", port: 20004, sessionId: "1", sessionVersion: "1" });
  const answer = [
    "v=0", "o=peer 9 9 IN IP4 127.0.0.5", "s=-", "c=IN IP4 127.0.0.5", "t=0 0",
    "m=audio 31000 RTP/AVP 8 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=ptime:20", "a=sendrecv", "",
  ].join("\r\n");
  const r = acceptAnswer(offer, answer);
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual([r.audio.codec.name, r.audio.remoteAddress, r.audio.remotePort, r.audio.telephoneEventPt, r.audio.direction], ["PCMA", "127.0.0.5", 31000, 101, "sendrecv"]);
  const rejected = acceptAnswer(offer, answer.replace("m=audio 31000", "m=audio 0"));
  assert.equal(rejected.ok ? "" : rejected.reason, "no_audio");
  const g729 = acceptAnswer(offer, answer.replace("RTP/AVP 8 101", "RTP/AVP 18").replace("a=rtpmap:8 PCMA/8000", "a=rtpmap:18 G729/8000"));
  assert.equal(g729.ok ? "" : g729.reason, "no_common_codec");
  const held = negotiate(OFFER.replace("c=IN IP4 198.51.100.20", "c=IN IP4 0.0.0.0"), { address: "127.0.0.1", port: 20000 });
  assert.ok(held.ok && held.audio.direction === "recvonly");
});
