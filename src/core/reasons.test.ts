import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DISCONNECTION_REASONS, REASON_CATALOGUE, reasonInfo, isDisconnectionReason } from "./reasons.js";

const specPath = fileURLToPath(new URL("../../../shared/spec/disconnection-reasons.md", import.meta.url));

test("catalogue holds every reason in the spec table, and no other", (t) => {
  let spec: string;
  try {
    spec = readFileSync(specPath, "utf8");
  } catch {
    t.skip("shared/spec not beside the repo");
    return;
  }
  const specReasons = new Set([...spec.matchAll(/^\| ([a-z_]+)(?: \*\(legacy\)\*)? \|/gm)].map((m) => m[1]!).filter((r) => r !== "reason"));
  assert.deepEqual([...specReasons].sort(), [...DISCONNECTION_REASONS].sort());
  const legacy = new Set([...spec.matchAll(/^\| ([a-z_]+) \*\(legacy\)\* \|/gm)].map((m) => m[1]!));
  for (const row of REASON_CATALOGUE) assert.equal(row.legacy, legacy.has(row.reason), row.reason);
});

test("status of each reason follows the spec's sections", () => {
  assert.equal(reasonInfo("user_hangup").callStatus, "ended");
  assert.equal(reasonInfo("manual_stopped").callStatus, "ended");
  assert.equal(reasonInfo("dial_busy").callStatus, "not_connected");
  assert.equal(reasonInfo("invalid_destination").callStatus, "not_connected");
  assert.equal(reasonInfo("concurrency_limit_reached").callStatus, "error");
  assert.equal(reasonInfo("error_no_audio_received").callStatus, "error");
});

test("every row has a meaning, a mechanism and a remedy", () => {
  for (const row of REASON_CATALOGUE) {
    assert.ok(row.meaning.length > 5 && row.mechanism.length > 5 && row.remedy.length >= 4, row.reason);
    assert.ok(row.phases.length > 0, row.reason);
  }
});

test("isDisconnectionReason rejects unknown names", () => {
  assert.equal(isDisconnectionReason("dial_busy"), true);
  assert.equal(isDisconnectionReason("dial_bussy"), false);
  assert.equal(isDisconnectionReason(42), false);
});
