/** The Calls page's filter form, and how it maps onto list-calls v3 `filter_criteria`. */
export interface CallFilters {
  readonly status: string;
  readonly reason: string;
  readonly agentId: string;
  readonly direction: string;
  readonly callType: string;
  readonly fromNumber: string;
  readonly toNumber: string;
  /** "" (any time), "1h", "24h", "7d", "30d" or "custom" (then `since` / `until`). */
  readonly window: string;
  /** datetime-local values. */
  readonly since: string;
  readonly until: string;
  /** Call id or number, either side. */
  readonly search: string;
}

export const NO_FILTERS: CallFilters = {
  status: "", reason: "", agentId: "", direction: "", callType: "", fromNumber: "", toNumber: "", window: "", since: "", until: "", search: "",
};

const WINDOW_MS: Readonly<Record<string, number>> = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };

type Criteria = Record<string, unknown>;

/** The time range a filter set covers, if any, as epoch ms. */
export function timeRange(f: CallFilters, now: number): { lo: number; hi: number } | undefined {
  const span = WINDOW_MS[f.window];
  if (span !== undefined) return { lo: now - span, hi: now };
  if (f.window !== "custom") return undefined;
  const lo = f.since ? new Date(f.since).getTime() : 0;
  const hi = f.until ? new Date(f.until).getTime() : now;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return undefined;
  return { lo, hi };
}

/** `filter_criteria` for list-calls v3 (and Parley's stats and search, which take the same). */
export function criteriaOf(f: CallFilters, now: number): Criteria {
  const c: Criteria = {};
  const oneOf = (value: string) => ({ type: "enum", op: "in", value: [value] });
  if (f.status) c.call_status = oneOf(f.status);
  if (f.reason) c.disconnection_reason = oneOf(f.reason);
  if (f.direction) c.direction = oneOf(f.direction);
  if (f.callType) c.call_type = oneOf(f.callType);
  if (f.agentId) c.agent = [{ agent_id: f.agentId }];
  if (f.fromNumber.trim()) c.from_number = { type: "string", op: "co", value: f.fromNumber.trim() };
  if (f.toNumber.trim()) c.to_number = { type: "string", op: "co", value: f.toNumber.trim() };
  const range = timeRange(f, now);
  if (range) c.start_timestamp = { type: "range", op: "bt", value: [range.lo, range.hi] };
  return c;
}

// Short names in the URL for each filter.
const PARAM: Readonly<Record<keyof CallFilters, string>> = {
  status: "status", reason: "reason", agentId: "agent", direction: "direction", callType: "type",
  fromNumber: "from", toNumber: "to", window: "window", since: "since", until: "until", search: "q",
};

/** The filters as URL parameters (empty ones left out). */
export function filtersToParams(f: CallFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(PARAM) as (keyof CallFilters)[]) if (f[k]) out[PARAM[k]] = f[k];
  return out;
}

/** Filters from URL parameters; unknown parameters are ignored. */
export function filtersFromParams(params: Readonly<Record<string, string>> | undefined): CallFilters {
  const f: { -readonly [K in keyof CallFilters]: CallFilters[K] } = { ...NO_FILTERS };
  for (const k of Object.keys(PARAM) as (keyof CallFilters)[]) {
    const v = params?.[PARAM[k]];
    if (v !== undefined) f[k] = v;
  }
  return f;
}

/** A datetime-local value for an epoch-ms instant, in local time. */
export function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
