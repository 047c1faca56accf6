import { test } from "node:test";
import assert from "node:assert/strict";
import { verify as retellVerify, sign as retellSign } from "retell-sdk";
import { signWebhook, verifyWebhook } from "./signature.js";

const key = "key_0123456789abcdef0123456789";
const body = JSON.stringify({ event: "call_ended", call: { call_id: "call_1", metadata: { n: "é" } } });

test("the official retell-sdk verify accepts Parley's signature", async () => {
  assert.equal(await retellVerify(body, key, signWebhook(body, key)), true);
});

test("retell-sdk rejects Parley's signature for another body or key", async () => {
  const sig = signWebhook(body, key);
  assert.equal(await retellVerify(body + " ", key, sig), false);
  assert.equal(await retellVerify(body, key + "x", sig), false);
});

test("Parley verifies retell-sdk's signature and rejects stale ones", async () => {
  const sig = await retellSign(body, key);
  assert.equal(verifyWebhook(body, key, sig), true);
  const old = signWebhook(body, key, Date.now() - 301_000);
  assert.equal(verifyWebhook(body, key, old), false);
  assert.equal(verifyWebhook(body, key, "v=1,d=zz"), false);
});
