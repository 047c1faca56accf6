import { test } from "node:test";
import assert from "node:assert/strict";
import { isDisconnectionReason } from "../core/reasons.js";
import { Q850_CAUSES, isSpecificQ850, q850Cause, q850Outcome } from "./q850.js";

test("every row of §1.3 maps to its recommended reason", () => {
  const expected: ReadonlyArray<readonly [number, string | undefined]> = [
    [1, "invalid_destination"], [2, "sip_routing_error"], [3, "invalid_destination"], [16, undefined],
    [17, "dial_busy"], [18, "dial_no_answer"], [19, "dial_no_answer"], [20, "dial_no_answer"],
    [21, "user_declined"], [22, "invalid_destination"], [25, "sip_routing_error"], [27, "dial_failed"],
    [28, "invalid_destination"], [31, undefined], [34, "telephony_provider_unavailable"],
    [38, "telephony_provider_unavailable"], [41, "telephony_provider_unavailable"],
    [42, "telephony_provider_unavailable"], [44, "telephony_provider_unavailable"],
    [47, "telephony_provider_unavailable"], [50, "telephony_provider_permission_denied"],
    [52, "telephony_provider_permission_denied"], [57, "telephony_provider_permission_denied"],
    [54, "dial_failed"], [55, "dial_failed"], [87, "dial_failed"], [58, "telephony_provider_unavailable"],
    [65, "dial_failed"], [88, "dial_failed"], [79, "dial_failed"], [102, "telephony_provider_unavailable"],
    [111, "dial_failed"], [127, "dial_failed"],
  ];
  for (const [cause, reason] of expected) {
    assert.ok(q850Cause(cause), `cause ${cause} is in the table`);
    assert.equal(q850Outcome(cause, false)?.reason, reason, `cause ${cause}`);
  }
});

test("102 depends on whether the callee was alerted; others do not", () => {
  assert.equal(q850Outcome(102, false)?.reason, "telephony_provider_unavailable");
  assert.equal(q850Outcome(102, true)?.reason, "dial_no_answer");
  assert.equal(q850Outcome(17, true)?.reason, q850Outcome(17, false)?.reason);
});

test("specific causes are those of rule 4; normal clearing and interworking are not", () => {
  for (const c of [1, 3, 17, 18, 19, 20, 21, 22, 25, 28, 34, 38, 41, 42, 44, 47, 50, 52, 57, 58, 88, 102]) {
    assert.equal(isSpecificQ850(c), true, `cause ${c}`);
  }
  for (const c of [16, 27, 31, 65, 79, 111, 127, 0, 999, -1]) assert.equal(isSpecificQ850(c), false, `cause ${c}`);
});

test("table rows are well-formed: unique causes, known reasons, names", () => {
  const seen = new Set<number>();
  for (const row of Q850_CAUSES) {
    assert.ok(!seen.has(row.cause), `duplicate ${row.cause}`);
    seen.add(row.cause);
    assert.ok(row.name.length > 3);
    if (row.reason) assert.ok(isDisconnectionReason(row.reason));
    if (row.specific) assert.ok(row.reason, `specific cause ${row.cause} needs a reason`);
  }
  assert.equal(q850Cause(4242), undefined);
});
