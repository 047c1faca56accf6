import { test } from "node:test";
import assert from "node:assert/strict";
import { newCallId, newId, randomHex } from "./ids.js";

test("call ids keep Retell's shape and sort by creation time", () => {
  const a = newCallId(1_790_000_000_000);
  const b = newCallId(1_790_000_000_001);
  assert.match(a, /^call_[0-9a-f]{27}$/);
  assert.ok(a < b, `${a} < ${b}`);
  assert.notEqual(newCallId(5), newCallId(5));
});

test("pooled random hex has the asked length and does not repeat across pool refills", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const h = randomHex(8);
    assert.match(h, /^[0-9a-f]{16}$/);
    seen.add(h);
  }
  assert.equal(seen.size, 2000);
  assert.match(randomHex(5000), /^[0-9a-f]{10000}$/);
  assert.match(newId("agent_"), /^agent_[0-9a-f]{26}$/);
});
