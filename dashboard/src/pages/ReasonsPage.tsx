import { Prose } from "../components/Prose.js";
import { words } from "../format.js";
import { useSession } from "../session.js";
import { CALL_STATUSES } from "../types.js";

/** The disconnection-reason catalogue: what each reason means, how it is decided, what to do. */
export function ReasonsPage() {
  const { reasons } = useSession();
  const rows = [...reasons.values()];
  return (
    <>
      <h1>Disconnection reasons</h1>
      <p>Every call ends with exactly one of these. The status follows from the reason.</p>
      {CALL_STATUSES.filter((s) => rows.some((r) => r.call_status === s)).map((s) => (
        <section className="card" key={s} aria-labelledby={`reasons-${s}`}>
          <h2 id={`reasons-${s}`}><span className={`badge ${s}`}>{words(s)}</span></h2>
          <div className="table-wrap">
            <table className="responsive reasons">
              <thead><tr><th scope="col">Reason</th><th scope="col">Meaning</th><th scope="col">Mechanism</th><th scope="col">Remedy</th><th scope="col">Usual fault</th></tr></thead>
              <tbody>
                {rows.filter((r) => r.call_status === s).map((r) => (
                  <tr key={r.reason} id={`reason-${r.reason}`}>
                    <th scope="row" data-label="Reason"><code>{r.reason}</code>{r.legacy && <span className="muted"> (legacy)</span>}</th>
                    <td data-label="Meaning"><Prose text={r.meaning} /></td>
                    <td data-label="Mechanism"><Prose text={r.mechanism} /></td>
                    <td data-label="Remedy"><Prose text={r.remedy} /></td>
                    <td data-label="Usual fault">{r.fault}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </>
  );
}
