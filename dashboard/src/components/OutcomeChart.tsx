import { useMemo } from "react";
import { formatTime, words } from "../format.js";
import type { ReasonRow, StatsBucket } from "../types.js";

const W = 720;
const H = 220;
const PAD = { left: 36, right: 8, top: 10, bottom: 28 };

function axisLabel(ms: number, spanMs: number): string {
  const t = formatTime(ms);
  return spanMs > 2 * 86_400_000 ? t.slice(5, 10) : t.slice(11, 16);
}

/** Stacked bars of call outcomes per time bucket, one colour per reason; data also as a table. */
export function OutcomeChart(props: {
  buckets: readonly StatsBucket[];
  colors: ReadonlyMap<string, string>;
  reasons: ReadonlyMap<string, ReasonRow>;
  /** A bar segment was clicked (the reason buttons and filters are the keyboard route to the same). */
  onPick?: (reason: string, bucket: StatsBucket) => void;
}) {
  const { buckets, colors, reasons } = props;
  const present = useMemo(() => {
    const s = new Set<string>();
    for (const b of buckets) for (const [k, n] of Object.entries(b.counts)) if (n > 0) s.add(k);
    // Legend in catalogue order, "in progress" last.
    return [...reasons.keys(), "in_progress"].filter((r) => s.has(r));
  }, [buckets, reasons]);
  if (buckets.length === 0) return <p className="muted">No calls in this range.</p>;
  const totals = buckets.map((b) => Object.values(b.counts).reduce((a, n) => a + n, 0));
  const max = Math.max(1, ...totals);
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const bw = innerW / buckets.length;
  const span = (buckets[buckets.length - 1]?.end ?? 0) - (buckets[0]?.start ?? 0);
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 6));
  const y = (n: number) => PAD.top + innerH - (n / max) * innerH;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-title chart-desc" preserveAspectRatio="xMidYMid meet">
        <title id="chart-title">Call outcomes by disconnection reason over time</title>
        <desc id="chart-desc">{`${totals.reduce((a, n) => a + n, 0)} calls in ${buckets.length} intervals from ${formatTime(buckets[0]?.start)} to ${formatTime(buckets[buckets.length - 1]?.end)}; the largest interval has ${max}.`}</desc>
        <line x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} className="axis" />
        <line x1={PAD.left} x2={W - PAD.right} y1={y(max)} y2={y(max)} className="grid" />
        <text x={PAD.left - 4} y={y(max) + 4} textAnchor="end" className="tick">{max}</text>
        <text x={PAD.left - 4} y={y(0) + 4} textAnchor="end" className="tick">0</text>
        {buckets.map((b, i) => {
          let acc = 0;
          const x = PAD.left + i * bw;
          return (
            <g key={b.start}>
              {present.map((r) => {
                const n = b.counts[r] ?? 0;
                if (n === 0) return null;
                const top = y(acc + n);
                const h = y(acc) - top;
                acc += n;
                return (
                  <rect key={r} x={x + bw * 0.12} width={Math.max(1, bw * 0.76)} y={top} height={Math.max(0.5, h)} fill={colors.get(r) ?? "#888"} data-reason={r}
                    className={props.onPick ? "pick" : undefined} onClick={props.onPick ? () => props.onPick?.(r, b) : undefined}>
                    <title>{`${words(r)}: ${n} call${n === 1 ? "" : "s"}, ${formatTime(b.start)} – ${formatTime(b.end)}${props.onPick ? " (click to list them)" : ""}`}</title>
                  </rect>
                );
              })}
              {i % labelEvery === 0 && <text x={x + bw / 2} y={H - 8} textAnchor="middle" className="tick">{axisLabel(b.start, span)}</text>}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul className="legend" aria-label="Chart legend">
          {present.map((r) => (
            <li key={r}><span className="swatch" style={{ background: colors.get(r) ?? "#888" }} aria-hidden="true" />{words(r)}</li>
          ))}
        </ul>
        <details>
          <summary>Chart data as a table</summary>
          <div className="scroll">
            <table className="compact">
              <thead><tr><th scope="col">From</th>{present.map((r) => <th scope="col" key={r}>{words(r)}</th>)}</tr></thead>
              <tbody>
                {buckets.filter((_, i) => (totals[i] ?? 0) > 0).map((b) => (
                  <tr key={b.start}><th scope="row">{formatTime(b.start)}</th>{present.map((r) => <td key={r}>{b.counts[r] ?? 0}</td>)}</tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </figcaption>
    </figure>
  );
}
