import { href } from "../router.js";
import type { CallerNumberStats } from "../types.js";

function pct(n: number, total: number): string {
  return total === 0 ? "—" : `${Math.round((100 * n) / total)}%`;
}

/**
 * Outbound outcomes per caller number. Carriers rarely say a number is flagged; what shows is
 * spam blocks (607/608/603+) and declines rising while the answer rate falls, so they sit side by side.
 */
export function CallerNumbers(props: { rows: readonly CallerNumberStats[] }) {
  if (props.rows.length === 0) return <p className="muted">No outbound phone calls match.</p>;
  return (
    <div className="table-wrap">
      <table className="responsive callers">
        <caption className="sr-only">Outbound outcomes per caller number, busiest first</caption>
        <thead>
          <tr>
            <th scope="col">Caller number</th>
            <th scope="col">Calls</th>
            <th scope="col">Answered</th>
            <th scope="col">Spam blocked</th>
            <th scope="col">Declined</th>
            <th scope="col">Busy / no answer</th>
            <th scope="col">Trunk failures</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.number} data-caller={r.number}>
              <th scope="row" data-label="Caller number">
                <a href={href({ page: "calls", params: { from: r.number, direction: "outbound" } })} aria-label={`Calls from ${r.number}`}><code>{r.number}</code></a>
                {r.marked_as_spam > 0 && <> <a className="flag" href={href({ page: "calls", params: { from: r.number, reason: "marked_as_spam" } })} title="Carriers blocked calls from this number as spam: list them">flagged as spam</a></>}
              </th>
              <td data-label="Calls">{r.total}</td>
              <td data-label="Answered">{r.connected} ({pct(r.connected, r.total)})</td>
              <td data-label="Spam blocked" className={r.marked_as_spam > 0 ? "bad" : undefined}>{r.marked_as_spam}</td>
              <td data-label="Declined">{r.user_declined}</td>
              <td data-label="Busy / no answer">{r.busy_or_no_answer}</td>
              <td data-label="Trunk failures" className={r.provider_failed > 0 ? "bad" : undefined}>{r.provider_failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
