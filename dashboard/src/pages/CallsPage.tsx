import { useEffect, useMemo, useState, type FormEvent } from "react";
import { reasonColors } from "../colors.js";
import { criteriaOf, filtersFromParams, filtersToParams, localInput, NO_FILTERS, timeRange, type CallFilters } from "../filters.js";
import { formatDuration, formatTime, words } from "../format.js";
import { useAgents, useLoad } from "../hooks.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import { CALL_STATUSES, type Call, type CallPage, type CallStats } from "../types.js";
import { CallerNumbers } from "../components/CallerNumbers.js";
import { OutcomeChart } from "../components/OutcomeChart.js";
import { ReasonCounts } from "../components/ReasonCounts.js";
import { TestCall } from "../components/TestCall.js";

const PAGE_SIZES = [25, 50, 100, 250] as const;

/** The final SIP status and the carrier's words, for the SIP column's tooltip. */
function sipTitle(c: Call): string | undefined {
  const sip = c.disconnection_detail?.sip;
  if (!sip) return undefined;
  return [`${sip.code} ${sip.phrase}`, sip.reason_header ? `Reason: ${sip.reason_header}` : ""].filter(Boolean).join("; ");
}

/** Enough of a call id to tell rows apart; the link's name and title carry all of it. */
function shortId(id: string): string {
  return id.length > 16 ? `${id.slice(0, 15)}…` : id;
}

/** A labelled filter select whose first option means "no filter". */
function Choice(props: { id: string; label: string; any: string; value: string; options: readonly (readonly [string, string])[]; onChange: (v: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">{props.any}</option>
        {props.options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    </div>
  );
}

/** Call history: filters, search, the outcomes chart, reason counts and a paged table. */
export function CallsPage(props: { params: Readonly<Record<string, string>> | undefined }) {
  const { api, reasons } = useSession();
  const agents = useAgents();
  const colors = useMemo(() => reasonColors(reasons.values()), [reasons]);
  // The applied filters live in the URL (bookmarkable, and Back undoes a filter); the form holds a draft.
  const paramsKey = JSON.stringify(props.params ?? {});
  const applied = useMemo(() => filtersFromParams(props.params), [paramsKey]);
  const [draft, setDraft] = useState<CallFilters>(applied);
  const [pageSize, setPageSize] = useState<number>(50);
  // Cursors of the pages before the current one; the current page's own cursor is `cursor`.
  const [trail, setTrail] = useState<(string | undefined)[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  // Relative windows ("last hour") are pinned when applied, so paging does not shift under the user.
  const [appliedAt, setAppliedAt] = useState(() => Date.now());
  useEffect(() => {
    setDraft(applied);
    setAppliedAt(Date.now());
    setTrail([]);
    setCursor(undefined);
  }, [applied]);

  const criteria = useMemo(() => criteriaOf(applied, appliedAt), [applied, appliedAt]);
  const concurrency = useLoad(() => api.get<{ current_concurrency: number; concurrency_limit: number }>("/get-concurrency"), [appliedAt]);
  const stats = useLoad(() => api.post<CallStats>("/parley/v1/dashboard/call-stats", { filter_criteria: criteria, bucket_count: 24 }), [criteria]);
  const page = useLoad(() => {
    const common = { filter_criteria: criteria, sort_order: "descending", limit: pageSize, ...(cursor ? { pagination_key: cursor } : {}) };
    return applied.search.trim()
      ? api.post<CallPage>("/parley/v1/dashboard/search-calls", { ...common, query: applied.search.trim() })
      : api.post<CallPage>("/v3/list-calls", { ...common, include_total: true });
  }, [criteria, applied.search, pageSize, cursor]);

  function apply(next: CallFilters) {
    setDraft(next);
    const target = href({ page: "calls", params: filtersToParams(next) });
    if (location.hash !== target) {
      location.hash = target;
      return;
    }
    // Same filters again: refresh (a relative window moves on to now).
    setAppliedAt(Date.now());
    setTrail([]);
    setCursor(undefined);
    stats.reload();
    page.reload();
  }
  const set = <K extends keyof CallFilters>(k: K, v: CallFilters[K], now = false) => {
    const next = { ...draft, [k]: v };
    if (now) apply(next);
    else setDraft(next);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };

  const range = timeRange(applied, appliedAt);
  const byStatus = stats.data?.by_status;
  const grouped = CALL_STATUSES.filter((s) => s === "ended" || s === "not_connected" || s === "error").map((s) => ({ status: s, rows: [...reasons.values()].filter((r) => r.call_status === s) }));

  return (
    <>
      <div className="page-head">
        <h1>Calls</h1>
        {concurrency.data && (
          <p className="concurrency" data-testid="concurrency" title="Calls in progress now, and the workspace's limit (concurrency_limit_reached beyond it)">
            Concurrency <strong>{concurrency.data.current_concurrency}</strong> / {concurrency.data.concurrency_limit}
          </p>
        )}
        <TestCall agents={agents.data ?? []} onCallChange={() => { stats.reload(); page.reload(); concurrency.reload(); }} />
      </div>

      <form className="filters card" onSubmit={submit} aria-label="Call filters" role="search">
        <div className="field grow">
          <label htmlFor="f-search">Search by call id or number</label>
          <input id="f-search" type="search" value={draft.search} placeholder="call_… or +1415…" onChange={(e) => set("search", e.target.value)} />
        </div>
        <Choice id="f-status" label="Status" any="Any status" value={draft.status} options={CALL_STATUSES.map((v) => [v, words(v)])} onChange={(v) => set("status", v, true)} />
        <div className="field">
          <label htmlFor="f-reason">Disconnection reason</label>
          <select id="f-reason" value={draft.reason} onChange={(e) => set("reason", e.target.value, true)}>
            <option value="">Any reason</option>
            {grouped.map((g) => (
              <optgroup key={g.status} label={words(g.status)}>
                {g.rows.map((r) => <option key={r.reason} value={r.reason} title={r.meaning}>{r.reason}</option>)}
              </optgroup>
            ))}
          </select>
        </div>
        <Choice id="f-agent" label="Agent" any="Any agent" value={draft.agentId} options={(agents.data ?? []).map((a) => [a.agent_id, a.agent_name ?? a.agent_id])} onChange={(v) => set("agentId", v, true)} />
        <Choice id="f-direction" label="Direction" any="Any direction" value={draft.direction} options={[["inbound", "inbound"], ["outbound", "outbound"]]} onChange={(v) => set("direction", v, true)} />
        <Choice id="f-type" label="Call type" any="Any type" value={draft.callType} options={[["phone_call", "phone call"], ["web_call", "web call"]]} onChange={(v) => set("callType", v, true)} />
        <div className="field">
          <label htmlFor="f-from">From number contains</label>
          <input id="f-from" inputMode="tel" value={draft.fromNumber} onChange={(e) => set("fromNumber", e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To number contains</label>
          <input id="f-to" inputMode="tel" value={draft.toNumber} onChange={(e) => set("toNumber", e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="f-window">Time range</label>
          <select id="f-window" value={draft.window} onChange={(e) => set("window", e.target.value, e.target.value !== "custom")}>
            <option value="">Any time</option>
            <option value="1h">Last hour</option>
            <option value="24h">Last 24 hours</option>
            <option value="7d">Last 7 days</option>
            <option value="30d">Last 30 days</option>
            <option value="custom">Custom range…</option>
          </select>
        </div>
        {draft.window === "custom" && (
          <>
            <div className="field">
              <label htmlFor="f-since">Started after</label>
              <input id="f-since" type="datetime-local" value={draft.since} onChange={(e) => set("since", e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="f-until">Started before</label>
              <input id="f-until" type="datetime-local" value={draft.until} onChange={(e) => set("until", e.target.value)} />
            </div>
          </>
        )}
        <div className="actions">
          <button type="submit">Apply</button>
          <button type="button" className="ghost" onClick={() => apply(NO_FILTERS)}>Reset</button>
        </div>
      </form>

      <section className="card" aria-labelledby="outcomes-title">
        <h2 id="outcomes-title">Outcomes {range ? `${formatTime(range.lo)} – ${formatTime(range.hi)}` : "over time"}</h2>
        {stats.error && <p className="error" role="alert">{stats.error}</p>}
        {byStatus && (
          <ul className="status-counts" aria-label="Calls per status">
            {CALL_STATUSES.map((s) => (
              <li key={s}><span className={`badge ${s}`}>{words(s)}</span> <span data-status-count={s}>{byStatus[s]}</span></li>
            ))}
          </ul>
        )}
        {stats.data && (
          <>
            <ReasonCounts counts={stats.data.by_reason} reasons={reasons} colors={colors} selected={applied.reason} onSelect={(r) => set("reason", r, true)} />
            <OutcomeChart buckets={stats.data.buckets} colors={colors} reasons={reasons}
              onPick={(reason, b) => apply({ ...applied, reason: reason === "in_progress" ? "" : reason, window: "custom", since: localInput(b.start), until: localInput(b.end) })} />
            {stats.data.truncated && <p className="muted">Figures cover the newest {stats.data.scanned} matching calls.</p>}
          </>
        )}
      </section>

      {stats.data && (
        <section className="card" aria-labelledby="callers-title">
          <h2 id="callers-title">Caller numbers</h2>
          <CallerNumbers rows={stats.data.caller_numbers} />
        </section>
      )}

      <section className="card" aria-labelledby="list-title">
        <div className="section-head">
          <h2 id="list-title">
            {page.data?.total !== undefined ? `${page.data.total} call${page.data.total === 1 ? "" : "s"}` : "Calls"}
          </h2>
          <div className="field inline">
            <label htmlFor="page-size">Rows per page</label>
            <select id="page-size" value={pageSize} onChange={(e) => { setPageSize(Number(e.target.value)); setTrail([]); setCursor(undefined); }}>
              {PAGE_SIZES.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          </div>
        </div>
        {page.error && <p className="error" role="alert">{page.error}</p>}
        <div className="table-wrap" aria-busy={page.loading}>
          <table className="calls responsive">
            <caption className="sr-only">Calls, newest first. Open a call id for its detail.</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Call</th>
                <th scope="col">Type</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Agent</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                <th scope="col">SIP</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {(page.data?.items ?? []).map((c) => (
                <tr key={c.call_id} data-call-id={c.call_id} onClick={(e) => { if (!(e.target instanceof HTMLAnchorElement)) location.hash = href({ page: "call", callId: c.call_id }); }}>
                  <td data-label="Started">{formatTime(c.start_timestamp)}</td>
                  <td data-label="Call"><a href={href({ page: "call", callId: c.call_id })} aria-label={`Call ${c.call_id}`} title={c.call_id}><code>{shortId(c.call_id)}</code></a></td>
                  <td data-label="Type">{c.call_type === "web_call" ? "web" : c.direction ?? "phone"}</td>
                  <td data-label="From">{c.from_number ?? "—"}</td>
                  <td data-label="To">{c.to_number ?? "—"}</td>
                  <td data-label="Agent">{c.agent_name ?? c.agent_id}</td>
                  <td data-label="Status"><span className={`badge ${c.call_status}`}>{words(c.call_status)}</span></td>
                  <td data-label="Reason">
                    {c.disconnection_reason
                      ? <span className="reason" title={reasons.get(c.disconnection_reason)?.meaning}>{c.disconnection_reason}</span>
                      : <span className="muted">—</span>}
                  </td>
                  <td data-label="SIP" className="sip-code" title={sipTitle(c)}>{c.disconnection_detail?.sip ? c.disconnection_detail.sip.code : <span className="muted">—</span>}</td>
                  <td data-label="Duration">{formatDuration(c.duration_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.data && page.data.items.length === 0 && <p className="muted empty">No calls match these filters.</p>}
        </div>
        <nav className="pager" aria-label="Pages of calls">
          <button type="button" disabled={trail.length === 0} onClick={() => { setCursor(trail[trail.length - 1]); setTrail(trail.slice(0, -1)); }}>Newer</button>
          <span aria-live="polite">Page {trail.length + 1}</span>
          <button type="button" disabled={!page.data?.has_more} onClick={() => { setTrail([...trail, cursor]); setCursor(page.data?.pagination_key); }}>Older</button>
        </nav>
      </section>
    </>
  );
}
