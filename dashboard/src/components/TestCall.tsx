import { useEffect, useRef, useState } from "react";
import { messageOf } from "../api.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import type { AgentSummary, Call } from "../types.js";
import { loadWebClient, type WebCallClient } from "../webCall.js";

/** Where a test call is: created only, or talking through the browser's microphone and speaker. */
type Phase =
  | { readonly kind: "idle" }
  | { readonly kind: "starting" }
  | { readonly kind: "created"; readonly callId: string; readonly why: string }
  | { readonly kind: "connecting" | "connected"; readonly callId: string }
  | { readonly kind: "ended"; readonly callId: string; readonly reason: string };

/**
 * Starts a web call to an agent from the browser: the call is created through the API, then the
 * browser joins it with its microphone through Parley's web SDK when the server offers one.
 */
export function TestCall(props: {
  agents: readonly AgentSummary[];
  fixedAgentId?: string;
  agentName?: string;
  idSuffix?: string;
  /** A test call was created or has ended: lists showing calls may refresh. */
  onCallChange?: () => void;
}) {
  const { api } = useSession();
  const [agentId, setAgentId] = useState(props.fixedAgentId ?? "");
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [heard, setHeard] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const client = useRef<WebCallClient | undefined>(undefined);
  const chosen = props.fixedAgentId ?? agentId;
  const id = `test-call-agent${props.idSuffix ?? ""}`;
  const live = phase.kind === "connecting" || phase.kind === "connected";

  // Leaving the page hangs up rather than leaving a call running in the background.
  useEffect(() => () => client.current?.stopCall(), []);

  async function start() {
    setPhase({ kind: "starting" });
    setError(undefined);
    setHeard(undefined);
    try {
      const created = await api.post<{ call_id: string; access_token: string }>("/v3/create-web-call", { agent_id: chosen });
      const callId = created.call_id;
      props.onCallChange?.();
      const c = await loadWebClient();
      if (!c) {
        setPhase({ kind: "created", callId, why: "this server does not serve the web SDK, so the browser cannot join with audio" });
        return;
      }
      client.current = c;
      c.on("call_started", () => setPhase({ kind: "connected", callId }));
      c.on("update", (u) => {
        const last = u.transcript[u.transcript.length - 1];
        if (last) setHeard(`${last.role}: ${last.content}`);
      });
      c.on("error", (m) => setError(m));
      c.on("call_ended", (e) => {
        client.current = undefined;
        // The server's close reason reads "call ended: <reason>"; a local hang-up has none, so ask the API.
        const said = /^call ended:\s*(\S+)/.exec(e.reason)?.[1];
        setPhase({ kind: "ended", callId, reason: said ?? "ending…" });
        if (said) props.onCallChange?.();
        else {
          void settledReason(callId).then((reason) => {
            setPhase({ kind: "ended", callId, reason: reason ?? `closed (${e.reason || e.code})` });
            props.onCallChange?.();
          });
        }
      });
      setPhase({ kind: "connecting", callId });
      await c.startCall({ accessToken: created.access_token, callId });
    } catch (err) {
      setError(messageOf(err));
      setPhase((p) => (p.kind === "starting" ? { kind: "idle" } : p));
    }
  }

  /** The stored reason once the server has finished ending the call (a few tries, then give up). */
  async function settledReason(callId: string): Promise<string | undefined> {
    for (let i = 0; i < 10; i++) {
      try {
        const call = await api.get<Call>(`/v2/get-call/${encodeURIComponent(callId)}`);
        if (call.disconnection_reason) return call.disconnection_reason;
      } catch {
        return undefined;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    return undefined;
  }

  const link = (callId: string) => <a href={href({ page: "call", callId })}><code>{callId}</code></a>;
  return (
    <div className="test-call">
      {props.fixedAgentId === undefined && (
        <div className="field inline">
          <label htmlFor={id}>Agent for a test call</label>
          <select id={id} value={agentId} onChange={(e) => setAgentId(e.target.value)} disabled={live}>
            <option value="">Choose an agent…</option>
            {props.agents.map((a) => <option key={a.agent_id} value={a.agent_id}>{a.agent_name ?? a.agent_id}</option>)}
          </select>
        </div>
      )}
      {live
        ? <button type="button" className="danger" onClick={() => client.current?.stopCall()}>Hang up</button>
        : <button type="button" onClick={() => void start()} disabled={phase.kind === "starting" || !chosen} aria-label={props.agentName ? `Test call to ${props.agentName}` : undefined}>
            {phase.kind === "starting" ? "Starting…" : "Test call"}
          </button>}
      <div aria-live="polite" className="test-call-result" data-phase={phase.kind}>
        {phase.kind === "created" && <p>Web call {link(phase.callId)} created; {phase.why}.</p>}
        {phase.kind === "connecting" && <p>Joining web call {link(phase.callId)}… allow the microphone if asked.</p>}
        {phase.kind === "connected" && <p>Connected to {link(phase.callId)}: speak now.{heard ? ` Last heard: ${heard}` : ""}</p>}
        {phase.kind === "ended" && <p>Web call {link(phase.callId)} ended: <strong>{phase.reason}</strong>.</p>}
        {error && <p className="error" role="alert">{error}</p>}
      </div>
    </div>
  );
}
