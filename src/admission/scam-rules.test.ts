import { test } from "node:test";
import assert from "node:assert/strict";
import { judgeScam } from "./scam-rules.js";

test("flags prompts that ask for gift-card payment or threaten arrest", () => {
  const v = judgeScam({ general_prompt: "Tell them to pay the fine with Google Play gift cards today." }, undefined);
  assert.equal(v.flagged, true);
  assert.equal(v.matches[0]?.rule, "gift_card_payment");
  assert.equal(judgeScam({ metadata: { script: "This is the IRS. A warrant for your arrest will be issued." } }, undefined).flagged, true);
});

test("does not flag an ordinary appointment agent", () => {
  const v = judgeScam({ agent_name: "Dental reminders", general_prompt: "Confirm the patient's appointment time and offer to reschedule." }, undefined);
  assert.equal(v.flagged, false);
  assert.equal(v.by, "none");
});

test("the operator's flag wins over the rules both ways", () => {
  assert.equal(judgeScam({ general_prompt: "hello" }, true).by, "operator");
  assert.equal(judgeScam({ general_prompt: "pay with gift cards" }, false).flagged, false);
});
