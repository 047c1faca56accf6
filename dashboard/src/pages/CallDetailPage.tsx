import { useEffect, useState } from "react";
import { messageOf } from "../api.js";
import { ConfirmButton } from "../components/Field.js";
import { faultLabel, formatDuration, formatTime, phaseLabel, words } from "../format.js";
import { useLoad } from "../hooks.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import type { Call, CallLog, SignallingTimes } from "../types.js";
import { Prose } from "../components/Prose.js";
import { SipLadder } from "../components/SipLadder.js";
import { Timeline } from "../components/Timeline.js";
import { Transcript } from "../components/Transcript.js";

const REFRESH_MS = 2000;

const STEPS: readonly { readonly key: keyof SignallingTimes; readonly label: string }[] = [
  { key: "invite", label: "INVITE" },
  { key: "first_provisional", label: "First provisional (100/18x)" },
  { key: "ringing", label: "Ringing (180/183)" },
  { key: "answered", label: "Answered (200 OK)" },
  { key: "ack", label: "ACK" },
  { key: "bye", label: "BYE" },
];

/** Everything known about one call: why it ended, the evidence, the log, the ladder, the conversation. */
export function CallDetailPage(props: { callId: string }) {
  const { api, reasons } = useSession();
  const id = encodeURIComponent(props.callId);
  const call = useLoad(() => api.get<Call>(`/v2/get-call/${id}`), [props.callId]);
  const log = useLoad(() => api.get<CallLog>(`/parley/v1/call-log/${id}`), [props.callId]);
  const c = call.data;
  const reason = c?.disconnection_reason ? reasons.get(c.disconnection_reason) : undefined;
  const detail = c?.disconnection_detail;
  const live = c?.call_status === "registered" || c?.call_status === "ongoing";
  const [stopError, setStopError] = useState<string | undefined>();
  const { reload: reloadCall } = call;
  const { reload: reloadLog } = log;

  // A live call changes under the user: follow it until it ends.
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      reloadCall();
      reloadLog();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [live, reloadCall, reloadLog]);

  async function stop() {
    setStopError(undefined);
    try {
      await api.post(`/v2/stop-call/${id}`, {});
    } catch (err) {
      setStopError(messageOf(err));
    }
    reloadCall();
    reloadLog();
  }

  return (
    <>
      <p className="crumbs"><a href={href({ page: "calls" })}>← All calls</a></p>
      <div className="page-head">
        <h1>Call <code className="wrap">{props.callId}</code></h1>
        {live && (
          <div className="row-actions">
            <span className="muted live" aria-live="polite">Live: refreshing every {REFRESH_MS / 1000} s</span>
            <ConfirmButton what={props.callId} verb="Stop call" onConfirm={() => void stop()} />
          </div>
        )}
      </div>
      {call.error && <p className="error" role="alert">{call.error}</p>}
      {stopError && <p className="error" role="alert">{stopError}</p>}
      {c && (
        <>
          <section className={`card outcome ${c.call_status}`} aria-labelledby="outcome-title">
            <h2 id="outcome-title">
              <span className={`badge ${c.call_status}`} data-testid="call-status">{words(c.call_status)}</span>{" "}
              {c.disconnection_reason ? <span className="reason-name" data-testid="call-reason">{c.disconnection_reason}</span> : <span className="muted">not ended yet</span>}
            </h2>
            {reason && <p className="meaning"><Prose text={reason.meaning} /></p>}
            {detail && (
              <>
                <p className="message"><strong>What happened:</strong> {detail.message}</p>
                <div className="remedy" data-testid="remedy">
                  <strong>What to do:</strong> {detail.remedy === "none" ? "Nothing: this is an expected ending." : <Prose text={detail.remedy} />}
                </div>
                <dl className="facts">
                  <div><dt>Who ended it</dt><dd data-testid="fault">{faultLabel(detail.fault)}</dd></div>
                  <div><dt>Phase</dt><dd data-testid="phase">{phaseLabel(detail.phase)}</dd></div>
                  {detail.sub_reason && <div><dt>Sub-reason</dt><dd>{detail.sub_reason}</dd></div>}
                  {reason && <div><dt>How Parley decides this reason</dt><dd><Prose text={reason.mechanism} /></dd></div>}
                </dl>
              </>
            )}
          </section>

          {detail?.sip && (
            <section className="card" aria-labelledby="sip-title">
              <h2 id="sip-title">SIP evidence</h2>
              <dl className="facts">
                <div><dt>Final SIP status</dt><dd data-testid="sip-code"><strong>{detail.sip.code}</strong> {detail.sip.phrase}</dd></div>
                <div><dt>Reason header</dt><dd><code>{detail.sip.reason_header ?? "none"}</code></dd></div>
                {Object.entries(detail.sip.carrier_headers).map(([k, v]) => (
                  <div key={k}><dt>{k}</dt><dd><code>{v}</code></dd></div>
                ))}
              </dl>
            </section>
          )}

          <div className="two-col">
            <section className="card" aria-labelledby="call-title">
              <h2 id="call-title">Call</h2>
              <dl className="facts">
                <div><dt>Type</dt><dd>{c.call_type === "web_call" ? "web call" : `phone call, ${c.direction ?? "outbound"}`}</dd></div>
                {c.call_type === "phone_call" && <div><dt>From</dt><dd>{c.from_number ?? "—"}</dd></div>}
                {c.call_type === "phone_call" && <div><dt>To</dt><dd>{c.to_number ?? "—"}</dd></div>}
                <div><dt>Agent</dt><dd>{c.agent_name ?? c.agent_id}{c.agent_version !== undefined ? ` (version ${c.agent_version})` : ""}</dd></div>
                <div><dt>Started</dt><dd>{formatTime(c.start_timestamp)}</dd></div>
                <div><dt>Ended</dt><dd>{formatTime(c.end_timestamp)}</dd></div>
                <div><dt>Duration</dt><dd>{formatDuration(c.duration_ms)}</dd></div>
              </dl>
            </section>
            {detail && (
              <section className="card" aria-labelledby="steps-title">
                <h2 id="steps-title">Signalling steps</h2>
                <ol className="steps">
                  {STEPS.map((s) => {
                    const at = detail.timestamps[s.key];
                    const since = at !== null && detail.timestamps.invite !== null ? at - detail.timestamps.invite : undefined;
                    return (
                      <li key={s.key} className={at === null ? "missing" : "seen"}>
                        <span className="step">{s.label}</span>
                        <span>{at === null ? "not reached" : `${formatTime(at)}${since !== undefined && s.key !== "invite" ? ` (+${formatDuration(since)})` : ""}`}</span>
                      </li>
                    );
                  })}
                </ol>
              </section>
            )}
          </div>

          <section className="card" aria-labelledby="ladder-title">
            <h2 id="ladder-title">SIP ladder</h2>
            {log.error && <p className="error" role="alert">{log.error}</p>}
            {log.data && <SipLadder events={log.data.events} />}
          </section>
          <section className="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">Timeline</h2>
            {log.data && <Timeline events={log.data.events} />}
          </section>

          <section className="card" aria-labelledby="files-title">
            <h2 id="files-title">Recording and downloads</h2>
            {c.recording_url
              ? <audio controls preload="none" src={c.recording_url} aria-label="Call recording">Your browser cannot play the recording; <a href={c.recording_url}>download it</a>.</audio>
              : <p className="muted">No recording for this call.</p>}
            <ul className="downloads">
              {c.recording_url && <li><a href={c.recording_url} download>Recording (WAV)</a></li>}
              {c.recording_multi_channel_url && <li><a href={c.recording_multi_channel_url} download>Two-channel recording (user, agent)</a></li>}
              {c.pcap_url ? <li><a href={c.pcap_url} download data-testid="pcap-link">PCAP (SIP and RTP)</a></li> : <li className="muted">No PCAP for this call.</li>}
              {c.public_log_url && <li><a href={c.public_log_url} download={`${c.call_id}-log.json`} data-testid="log-link">Detailed log (JSON)</a></li>}
            </ul>
          </section>

          <section className="card" aria-labelledby="latency-title">
            <h2 id="latency-title">Latency</h2>
            {c.latency && Object.keys(c.latency).length > 0 ? (
              <div className="scroll">
                <table className="compact">
                  <thead><tr><th scope="col">Stage</th><th scope="col">p50</th><th scope="col">p90</th><th scope="col">p95</th><th scope="col">min</th><th scope="col">max</th><th scope="col">samples</th></tr></thead>
                  <tbody>
                    {Object.entries(c.latency).map(([k, v]) => (
                      <tr key={k}><th scope="row">{words(k)}</th><td>{ms(v.p50)}</td><td>{ms(v.p90)}</td><td>{ms(v.p95)}</td><td>{ms(v.min)}</td><td>{ms(v.max)}</td><td>{v.num ?? "—"}</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : <p className="muted">No latency figures (no conversation turns were measured).</p>}
          </section>

          <section className="card" aria-labelledby="transcript-title">
            <h2 id="transcript-title">Transcript</h2>
            <Transcript utterances={c.transcript_object} text={c.transcript} />
          </section>
        </>
      )}

    </>
  );
}

function ms(v: number | undefined): string {
  return v === undefined ? "—" : `${Math.round(v)} ms`;
}
