import type { CallStatus, ReasonRow } from "./types.js";

// Hues by outcome family, so the chart reads at a glance: expected endings cool, failures to
// connect warm, errors red. Lightness steps tell the reasons within a family apart.
const FAMILY: Readonly<Record<CallStatus, readonly string[]>> = {
  ended: ["#1b7f5c", "#2f9e77", "#4fb891", "#2a6f97", "#468faf", "#61a5c2", "#89c2d9", "#5e8c61", "#74a57f", "#9cc5a1", "#3d7068", "#6a9a8f"],
  not_connected: ["#c2570c", "#e07b24", "#f0a04b", "#b08900", "#d4a72c", "#8a5a00", "#a86e2d", "#d98f5b", "#f3b679", "#7c4a1e"],
  error: ["#b3261e", "#d0453b", "#e8746b", "#8c1d18", "#a8434e", "#c75c6a", "#e38b96", "#7a2f3a", "#9e2a2b", "#c94f4f", "#ef9a9a", "#6d1b1b", "#d7263d", "#f06c6c"],
  registered: ["#6b7280"],
  ongoing: ["#4c6ef5"],
};

/** A stable colour for each reason, from its status family and its place in the catalogue. */
export function reasonColors(catalogue: Iterable<ReasonRow>): ReadonlyMap<string, string> {
  const seen: Record<string, number> = {};
  const out = new Map<string, string>([["in_progress", "#9aa5b1"]]);
  for (const row of catalogue) {
    const i = seen[row.call_status] ?? 0;
    seen[row.call_status] = i + 1;
    const family = FAMILY[row.call_status];
    out.set(row.reason, family[i % family.length] ?? "#888");
  }
  return out;
}
