import { useMemo, useState } from "react";
import { formatOffset, formatTime } from "../format.js";
import { isSipEventData, type CallEvent } from "../types.js";

const GAP_MS = 1000;

/** The layer an event type belongs to: "sip.in" → "sip". */
function layerOf(type: string): string {
  return type.split(".")[0] ?? type;
}

/** One line about an event: the SIP start line, or its data in short. */
function summaryOf(e: CallEvent): string {
  if (isSipEventData(e.data)) return `${e.type === "sip.out" ? "→" : "←"} ${e.data.summary}  (${e.data.from} → ${e.data.to})`;
  const text = Object.entries(e.data)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("  ");
  return text.length > 160 ? text.slice(0, 159) + "…" : text;
}

/** The call's detailed log in order, filterable by layer, each entry expandable to its full data. */
export function Timeline(props: { events: readonly CallEvent[] }) {
  const layers = useMemo(() => [...new Set(props.events.map((e) => layerOf(e.type)))], [props.events]);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  if (props.events.length === 0) return <p className="muted">No events were logged for this call.</p>;
  const shown = props.events.filter((e) => !hidden.has(layerOf(e.type)));
  const toggle = (layer: string) => {
    const next = new Set(hidden);
    if (next.has(layer)) next.delete(layer);
    else next.add(layer);
    setHidden(next);
  };
  return (
    <div className="timeline">
      <fieldset className="layer-filter">
        <legend>Show events from</legend>
        {layers.map((l) => (
          <label key={l} className="check">
            <input type="checkbox" checked={!hidden.has(l)} onChange={() => toggle(l)} /> {l}
          </label>
        ))}
      </fieldset>
      <ol className="events">
        {shown.map((e, i) => <EventRow key={i} event={e} gapMs={i > 0 ? e.tMs - (shown[i - 1]?.tMs ?? e.tMs) : 0} />)}
      </ol>
    </div>
  );
}

/** One log entry: when, what, a one-line summary; expands to the raw message or the data. */
function EventRow(props: { event: CallEvent; gapMs: number }) {
  const e = props.event;
  const ignored = e.type === "call.end_ignored";
  return (
    <li className={`event layer-${layerOf(e.type)}${e.type === "call.end" ? " end" : ""}${ignored ? " ignored" : ""}`} data-type={e.type}>
      <details>
        <summary>
          <span className="t" title={formatTime(e.at)}>{formatOffset(e.tMs)}</span>
          <span className="type">{e.type}</span>
          <span className="sum">
            {/* Long silences are where timers fire: make them visible. */}
            {props.gapMs >= GAP_MS && <span className="gap">{`${(props.gapMs / 1000).toFixed(1)} s later · `}</span>}
            {ignored && <span className="gap">a later cause, not applied (the first ending wins) · </span>}
            {summaryOf(e)}
          </span>
        </summary>
        {isSipEventData(e.data) ? <pre className="sip-raw">{e.data.raw}</pre> : <pre>{JSON.stringify(e.data, null, 2)}</pre>}
      </details>
    </li>
  );
}
