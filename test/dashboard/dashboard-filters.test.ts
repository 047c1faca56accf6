import { test } from "node:test";
import assert from "node:assert/strict";
import { criteriaOf, filtersFromParams, filtersToParams, NO_FILTERS, timeRange } from "../../dashboard/src/filters.js";

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

test("no filters make empty criteria, which list-calls reads as everything", () => {
  assert.deepEqual(criteriaOf(NO_FILTERS, NOW), {});
});

test("each filter maps onto list-calls v3 filter_criteria", () => {
  const c = criteriaOf({ ...NO_FILTERS, status: "ended", reason: "dial_busy", direction: "outbound", callType: "phone_call", agentId: "agent_1", fromNumber: " +1415 ", toNumber: "650", window: "1h" }, NOW);
  assert.deepEqual(c, {
    call_status: { type: "enum", op: "in", value: ["ended"] },
    disconnection_reason: { type: "enum", op: "in", value: ["dial_busy"] },
    direction: { type: "enum", op: "in", value: ["outbound"] },
    call_type: { type: "enum", op: "in", value: ["phone_call"] },
    agent: [{ agent_id: "agent_1" }],
    from_number: { type: "string", op: "co", value: "+1415" },
    to_number: { type: "string", op: "co", value: "650" },
    start_timestamp: { type: "range", op: "bt", value: [NOW - 3_600_000, NOW] },
  });
});

test("a custom range reads the two datetime inputs; a bad one is left out rather than sent", () => {
  const r = timeRange({ ...NO_FILTERS, window: "custom", since: "2026-11-23T10:00", until: "2026-11-23T11:30" }, NOW);
  assert.ok(r);
  assert.equal(r.hi - r.lo, 90 * 60_000);
  assert.equal(timeRange({ ...NO_FILTERS, window: "custom", since: "not a date" }, NOW), undefined);
  assert.equal(timeRange({ ...NO_FILTERS, window: "" }, NOW), undefined);
});

test("filters survive the trip through URL parameters; unknown parameters are ignored", () => {
  const f = { ...NO_FILTERS, reason: "marked_as_spam", fromNumber: "+14155559999", search: "call_ab" };
  const params = filtersToParams(f);
  assert.deepEqual(params, { reason: "marked_as_spam", from: "+14155559999", q: "call_ab" });
  assert.deepEqual(filtersFromParams(params), f);
  assert.deepEqual(filtersFromParams({ bogus: "1" }), NO_FILTERS);
  assert.deepEqual(filtersFromParams(undefined), NO_FILTERS);
});
