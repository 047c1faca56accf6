import { test } from "node:test";
import assert from "node:assert/strict";
import { parseWebFrame, pcm16le, toPcm16le } from "./web-protocol.js";

test("binary frames are PCM16LE; ping, pong and JSON text are recognised", () => {
  const a = parseWebFrame(Buffer.from([0x01, 0x00, 0xff, 0xff]), true);
  assert.ok(a.kind === "audio");
  assert.deepEqual([...a.pcm], [1, -1]);
  assert.equal(parseWebFrame(Buffer.from("ping"), false).kind, "ping");
  assert.equal(parseWebFrame(Buffer.from("pong"), false).kind, "pong");
  assert.equal(parseWebFrame(Buffer.from('{"a":1}'), false).kind, "json");
});

test("odd-length, oversized and garbage frames are invalid with a reason", () => {
  const odd = parseWebFrame(Buffer.alloc(3), true);
  assert.ok(odd.kind === "invalid" && /not whole PCM16/.test(odd.why));
  const big = parseWebFrame(Buffer.alloc(100), true, 50);
  assert.ok(big.kind === "invalid" && /exceeds 50/.test(big.why));
  const text = parseWebFrame(Buffer.from("hello"), false);
  assert.ok(text.kind === "invalid" && /neither ping\/pong nor JSON/.test(text.why));
});

test("PCM16LE round trip, including an unaligned view", () => {
  const pcm = Int16Array.from([0, 1, -1, 32767, -32768]);
  const bytes = toPcm16le(pcm);
  const unaligned = Buffer.concat([Buffer.alloc(1), bytes]).subarray(1);
  assert.deepEqual([...pcm16le(unaligned)], [...pcm]);
});
