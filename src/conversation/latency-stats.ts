import type { LatencyStats } from "../core/call-record.js";

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** Retell's latency summary of a list of ms values: p50/p90/p95/p99/min/max/num/values. */
export function summarize(values: readonly number[]): LatencyStats {
  if (values.length === 0) return { num: 0, values: [] };
  const rounded = values.map((v) => Math.round(v));
  const sorted = [...rounded].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    num: sorted.length,
    values: rounded,
  };
}
