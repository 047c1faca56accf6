import { useMemo, useState, type KeyboardEvent } from "react";
import { useMedia } from "../hooks.js";
import { formatOffset } from "../format.js";
import { layoutLadder, type LadderColumn } from "../ladder.js";
import type { CallEvent } from "../types.js";

const ROW_H = 40;
const HEAD = 46;
// Wide screens get roomy columns; a phone gets two columns that fit without sideways scrolling.
const WIDE = { col: 230, time: 80 };
const NARROW = { col: 130, time: 56 };
// Width of one character of the ladder's 12 px monospace labels.
const CHAR_W = 7.3;

/** The label cut to fit `px`, the full text staying in the arrow's accessible name and raw view. */
function fit(text: string, px: number): string {
  const max = Math.max(4, Math.floor(px / CHAR_W));
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

function columnTitle(columns: readonly LadderColumn[], i: number): string {
  const c = columns[i];
  if (!c || c.parley) return "Parley";
  const peers = columns.filter((k) => !k.parley);
  return peers.length === 1 ? "Peer" : `Peer ${peers.indexOf(c) + 1}`;
}

/** The call's SIP messages as a ladder diagram; activating an arrow shows the raw message. */
export function SipLadder(props: { events: readonly CallEvent[] }) {
  const ladder = useMemo(() => layoutLadder(props.events), [props.events]);
  const narrow = useMedia("(max-width: 700px)");
  const { col: colW, time: timeW } = narrow ? NARROW : WIDE;
  const [open, setOpen] = useState<number | undefined>();
  if (ladder.arrows.length === 0) return <p className="muted">No SIP messages were logged for this call.</p>;
  const width = timeW + Math.max(2, ladder.columns.length) * colW;
  const height = HEAD + ladder.arrows.length * ROW_H + 16;
  const x = (col: number) => timeW + col * colW + colW / 2;
  const chosen = open === undefined ? undefined : ladder.arrows[open];
  const activate = (i: number) => setOpen(open === i ? undefined : i);
  const onKey = (i: number) => (e: KeyboardEvent) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      activate(i);
    }
  };
  return (
    <div className="ladder">
      <div className="scroll">
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="group" aria-label={`SIP ladder: ${ladder.arrows.length} messages between ${ladder.columns.length} addresses`} className="ladder-svg">
          <defs>
            <marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill="context-stroke" />
            </marker>
          </defs>
          {ladder.columns.map((c, i) => (
            <g key={c.address}>
              <text x={x(i)} y={16} textAnchor="middle" className="col-title">{columnTitle(ladder.columns, i)}</text>
              <text x={x(i)} y={32} textAnchor="middle" className="col-addr">{c.address}</text>
              <line x1={x(i)} x2={x(i)} y1={HEAD - 6} y2={height - 8} className="lifeline" />
            </g>
          ))}
          {ladder.arrows.map((a, i) => {
            const y = HEAD + i * ROW_H + ROW_H / 2 + 6;
            const x1 = x(a.from);
            const x2 = x(a.to);
            const self = a.from === a.to;
            const label = `${a.outgoing ? "sent" : "received"} ${a.summary} at ${formatOffset(a.tMs)}`;
            return (
              <g key={i} role="button" tabIndex={0} aria-label={label} aria-pressed={open === i} className={`arrow ${a.outgoing ? "out" : "in"}${a.failure ? " failure" : ""}${open === i ? " open" : ""}`}
                onClick={() => activate(i)} onKeyDown={onKey(i)} data-summary={a.summary}>
                <rect x={Math.min(x1, x2) - 6} y={y - 24} width={Math.max(Math.abs(x2 - x1), 60) + 12} height={ROW_H - 4} className="hit" />
                <text x={2} y={y + 4} className="time">{formatOffset(a.tMs)}</text>
                {self
                  ? <path d={`M${x1},${y - 8} h40 v12 h-38`} className="line" markerEnd="url(#arrowhead)" fill="none" />
                  : <line x1={x1} x2={x2} y1={y} y2={y} className="line" markerEnd="url(#arrowhead)" />}
                <text x={(x1 + x2) / 2 + (self ? 46 : 0)} y={y - 7} textAnchor={self ? "start" : "middle"} className="label">{fit(a.summary, self ? colW - 50 : Math.abs(x2 - x1) - 12)}</text>
              </g>
            );
          })}
        </svg>
      </div>
      {chosen && (
        <div className="raw" aria-live="polite">
          <div className="raw-head">
            <h3>{chosen.outgoing ? "Sent" : "Received"} {formatOffset(chosen.tMs)} over {chosen.transport.toUpperCase()}: {chosen.summary}</h3>
            <button type="button" className="ghost" onClick={() => setOpen(undefined)}>Close message</button>
          </div>
          <pre className="sip-raw" tabIndex={0} aria-label="Raw SIP message">{chosen.raw}</pre>
        </div>
      )}
    </div>
  );
}
