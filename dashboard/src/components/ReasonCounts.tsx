import { words } from "../format.js";
import type { ReasonRow } from "../types.js";

/**
 * One button per reason seen, with its count; the catalogue meaning shows on hover and on
 * keyboard focus (and is the button's description for screen readers). Pressing one filters by it.
 */
export function ReasonCounts(props: {
  counts: Readonly<Record<string, number>>;
  reasons: ReadonlyMap<string, ReasonRow>;
  colors: ReadonlyMap<string, string>;
  selected: string;
  onSelect: (reason: string) => void;
}) {
  const rows = [...props.reasons.values()].filter((r) => (props.counts[r.reason] ?? 0) > 0);
  if (rows.length === 0) return <p className="muted">No ended calls match.</p>;
  return (
    <ul className="reason-counts" aria-label="Calls per disconnection reason">
      {rows.map((r) => {
        const tip = `tip-${r.reason}`;
        const on = props.selected === r.reason;
        return (
          <li key={r.reason}>
            <button type="button" className={`chip ${r.call_status}`} aria-pressed={on} aria-describedby={tip}
              data-reason={r.reason} onClick={() => props.onSelect(on ? "" : r.reason)}>
              <span className="swatch" style={{ background: props.colors.get(r.reason) ?? "#888" }} aria-hidden="true" />
              <span className="name">{words(r.reason)}</span> <span className="count">{props.counts[r.reason]}</span>
            </button>
            <span role="tooltip" id={tip} className="tooltip">{r.meaning}</span>
          </li>
        );
      })}
    </ul>
  );
}
