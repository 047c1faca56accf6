/**
 * Shapes a call list so every branch walks one index in sort order and stops after a page:
 * - all bounds on start_timestamp (range/number filters and the cursor) merge into one [lo, hi],
 *   so the engine gets a single range on the index's sort column instead of guessing among several;
 * - an IN-list on an indexed column (reason, agent, status) becomes one branch per value, each
 *   ordered by its own (workspace, value, start_timestamp, call_id) index and limited, then merged.
 *   A single query with `IN` would instead collect every match in the range and sort it, which is
 *   what made a 7-day `user_hangup` list slow at a million rows.
 */
import { integerBounds } from "./call-filters.js";
import { StoreError, type CallFilter, type SortOrder } from "./types.js";

/** More values than this and one plain query is cheaper than the branches. */
const MAX_BRANCHES = 16;

export interface CallListPlan {
  /** Filters that are not start_timestamp bounds. */
  readonly branches: readonly (readonly CallFilter[])[];
  /** Inclusive bounds on start_timestamp; lo > hi means nothing matches. */
  readonly lo?: number;
  readonly hi?: number;
  /** Rows at exactly this start time must come after this call id in sort order. */
  readonly tie?: { readonly at: number; readonly id: string };
}

/** Splits one IN-like filter into one filter per value, or returns undefined when it should not be. */
function expand(f: CallFilter): CallFilter[] | undefined {
  if (f.kind === "in" && (f.field === "disconnection_reason" || f.field === "call_status") && Array.isArray(f.values)) {
    const values = [...new Set(f.values)];
    return values.length > 1 && values.length <= MAX_BRANCHES ? values.map((v) => ({ ...f, values: [v] })) : undefined;
  }
  if (f.kind === "agent" && Array.isArray(f.agents)) {
    return f.agents.length > 1 && f.agents.length <= MAX_BRANCHES && new Set(f.agents.map((a) => a.agentId)).size === f.agents.length
      ? f.agents.map((a) => ({ kind: "agent", agents: [a] }))
      : undefined;
  }
  return undefined;
}

const EXPAND_PRIORITY: readonly ((f: CallFilter) => boolean)[] = [
  (f) => f.kind === "in" && f.field === "disconnection_reason",
  (f) => f.kind === "agent",
  (f) => f.kind === "in" && f.field === "call_status",
];

/** Plans a list query; `after` is the decoded cursor, if any. */
export function planCallList(filters: readonly CallFilter[], sortOrder: SortOrder, after?: { at: number; id: string }): CallListPlan {
  if (!Array.isArray(filters)) throw new StoreError("invalid", "filters must be a list");
  let lo: number | undefined;
  let hi: number | undefined;
  const rest: CallFilter[] = [];
  for (const f of filters) {
    const onStart = (f.kind === "range" || (f.kind === "number" && f.op !== "ne")) && f.field === "start_timestamp";
    if (!onStart) {
      rest.push(f);
      continue;
    }
    const b = integerBounds(f);
    if (b.lo !== undefined) lo = lo === undefined ? b.lo : Math.max(lo, b.lo);
    if (b.hi !== undefined) hi = hi === undefined ? b.hi : Math.min(hi, b.hi);
  }
  if (after) {
    if (sortOrder === "ascending") lo = lo === undefined ? after.at : Math.max(lo, after.at);
    else hi = hi === undefined ? after.at : Math.min(hi, after.at);
  }

  let branches: CallFilter[][] = [rest];
  for (const wanted of EXPAND_PRIORITY) {
    const i = rest.findIndex(wanted);
    const parts = i < 0 ? undefined : expand(rest[i] as CallFilter);
    if (parts) {
      branches = parts.map((p) => rest.map((f, j) => (j === i ? p : f)));
      break;
    }
  }
  return { branches, ...(lo !== undefined ? { lo } : {}), ...(hi !== undefined ? { hi } : {}), ...(after ? { tie: after } : {}) };
}
