import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { SecretBox } from "./secret-box.js";
import { StoreError } from "./types.js";

const box = new SecretBox(randomBytes(32));

test("a sealed secret opens in its own slot and is not the plaintext", () => {
  const sealed = box.seal("hunter2-trunk", "phone_numbers.auth_password:+1555");
  assert.ok(!sealed.includes("hunter2"));
  assert.notEqual(sealed, box.seal("hunter2-trunk", "phone_numbers.auth_password:+1555"), "a fresh IV every time");
  assert.equal(box.open(sealed, "phone_numbers.auth_password:+1555"), "hunter2-trunk");
});

test("another slot, another key or a flipped byte does not open", () => {
  const sealed = box.seal("s3cret", "slot-a");
  const isInvalid = (e: unknown) => e instanceof StoreError && e.code === "invalid";
  assert.throws(() => box.open(sealed, "slot-b"), isInvalid);
  assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, "slot-a"), isInvalid);
  const raw = Buffer.from(sealed.slice(3), "base64");
  raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
  assert.throws(() => box.open(`v1.${raw.toString("base64")}`, "slot-a"), isInvalid);
  assert.throws(() => box.open("v9.AAAA", "slot-a"), isInvalid);
  assert.throws(() => box.open("v1.AAAA", "slot-a"), isInvalid);
});

test("the key must be 32 bytes", () => {
  assert.throws(() => new SecretBox(Buffer.alloc(31)), /32 bytes/);
});
