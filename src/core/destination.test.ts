import { test } from "node:test";
import assert from "node:assert/strict";
import { checkDestination, checkE164 } from "./destination.js";

test("rejects numbers that are not E.164", () => {
  for (const bad of ["14155550123", "+1 415 555 0123", "+1415555O123", "+", "", "+0123456", "+1415555012345678"]) {
    const r = checkE164(bad);
    assert.equal(r.ok, false, bad);
  }
});

test("rejects well-formed but invalid numbers", () => {
  const r = checkE164("+1415555");
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.problem, "invalid_number");
});

test("accepts valid numbers and finds their country", () => {
  const r = checkE164("+14155550123");
  assert.equal(r.ok, true);
  if (r.ok) assert.equal(r.country, "US");
  assert.equal(checkE164("+447911123456").ok, true);
});

test("purchased numbers may call the US only; imported trunks anywhere", () => {
  const uk = "+447911123456";
  const p = checkDestination(uk, "purchased");
  assert.equal(p.ok, false);
  if (!p.ok) assert.equal(p.problem, "country_not_allowed");
  assert.equal(checkDestination(uk, "imported").ok, true);
  assert.equal(checkDestination("+14155550123", "purchased").ok, true);
});
