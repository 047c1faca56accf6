import type { Utterance } from "../types.js";

/** "m:ss.s" from seconds into the call. */
function clock(sec: number | undefined): string {
  if (sec === undefined || !Number.isFinite(sec)) return "";
  const m = Math.floor(sec / 60);
  return `${m}:${(sec - m * 60).toFixed(1).padStart(4, "0")}`;
}

/** The conversation turn by turn, with when each turn started and ended (word timings, seconds). */
export function Transcript(props: { utterances: readonly Utterance[] | undefined; text: string | undefined }) {
  const list = props.utterances ?? [];
  if (list.length === 0) {
    return props.text ? <pre className="transcript-text">{props.text}</pre> : <p className="muted">No transcript (the call had no conversation, or storage settings keep none).</p>;
  }
  return (
    <ol className="transcript">
      {list.map((u, i) => {
        const first = u.words?.find((w) => w.start !== undefined)?.start;
        const last = [...(u.words ?? [])].reverse().find((w) => w.end !== undefined)?.end;
        return (
          <li key={i} className={`turn ${u.role}`}>
            <span className="who">{u.role === "agent" ? "Agent" : u.role === "user" ? "User" : "Transfer target"}</span>
            {first !== undefined && <span className="when">{clock(first)}{last !== undefined ? `–${clock(last)}` : ""}</span>}
            <p>{u.content}</p>
          </li>
        );
      })}
    </ol>
  );
}
