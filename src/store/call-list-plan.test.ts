import assert from "node:assert/strict";
import { test } from "node:test";
import { planCallList } from "./call-list-plan.js";
import type { CallFilter } from "./types.js";

const reasons: CallFilter = { kind: "in", field: "disconnection_reason", values: ["user_hangup", "dial_busy", "user_hangup"] };

test("start bounds and the cursor merge into one whole-ms range", () => {
  const plan = planCallList(
    [
      { kind: "range", field: "start_timestamp", lo: 100.2, hi: 900.9 },
      { kind: "number", field: "start_timestamp", op: "gt", value: 150 },
      { kind: "number", field: "start_timestamp", op: "lt", value: 800 },
      { kind: "number", field: "duration_ms", op: "gt", value: 5 },
    ],
    "descending",
    { at: 700, id: "call_b" },
  );
  assert.equal(plan.lo, 151);
  assert.equal(plan.hi, 700);
  assert.deepEqual(plan.tie, { at: 700, id: "call_b" });
  assert.deepEqual(plan.branches, [[{ kind: "number", field: "duration_ms", op: "gt", value: 5 }]]);
});

test("an ascending cursor raises the lower bound instead", () => {
  const plan = planCallList([{ kind: "number", field: "start_timestamp", op: "le", value: 500 }], "ascending", { at: 200, id: "x" });
  assert.equal(plan.lo, 200);
  assert.equal(plan.hi, 500);
});

test("a non-integer eq on start matches nothing", () => {
  const plan = planCallList([{ kind: "number", field: "start_timestamp", op: "eq", value: 1.5 }], "descending");
  assert.ok(plan.lo !== undefined && plan.hi !== undefined && plan.lo > plan.hi);
});

test("an IN-list on the reason becomes one branch per distinct value, other filters kept in each", () => {
  const other: CallFilter = { kind: "in", field: "call_status", values: ["ended", "error"] };
  const plan = planCallList([other, reasons], "descending");
  assert.deepEqual(plan.branches, [
    [other, { ...reasons, values: ["user_hangup"] }],
    [other, { ...reasons, values: ["dial_busy"] }],
  ]);
});

test("agents split per agent; a single value or a huge list stays one query", () => {
  const agents: CallFilter = { kind: "agent", agents: [{ agentId: "a", versions: [1] }, { agentId: "b" }] };
  assert.equal(planCallList([agents], "ascending").branches.length, 2);
  assert.equal(planCallList([{ kind: "in", field: "call_status", values: ["ended"] }], "ascending").branches.length, 1);
  const many: CallFilter = { kind: "in", field: "disconnection_reason", values: Array.from({ length: 30 }, (_, i) => `r${i}`) };
  assert.equal(planCallList([many], "ascending").branches.length, 1);
});

test("bad bounds are refused", () => {
  assert.throws(() => planCallList([{ kind: "range", field: "start_timestamp", lo: Number.NaN }], "ascending"), /finite/);
});
