import assert from "node:assert/strict";
import { test } from "node:test";
import { detached } from "./detached-string.js";

test("a detached copy is equal to the original, whatever its length", () => {
  const message = "INVITE sip:+15550001234@127.0.0.1 SIP/2.0\r\nCall-ID: 1-2345@127.0.0.2\r\n";
  for (const part of [message.slice(48, 65), message.slice(0, 3), "", message]) assert.equal(detached(part), part);
});
