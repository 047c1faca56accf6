import { useState } from "react";
import { messageOf } from "../api.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import type { AgentSummary, Call } from "../types.js";

/**
 * Starts a web call to an agent from the browser. The call is created through the API and its
 * id and status shown; the browser audio joins once web-call audio is served.
 */
export function TestCall(props: { agents: readonly AgentSummary[]; fixedAgentId?: string; agentName?: string; idSuffix?: string }) {
  const { api } = useSession();
  const [agentId, setAgentId] = useState(props.fixedAgentId ?? "");
  const [result, setResult] = useState<{ callId: string; status: string } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const chosen = props.fixedAgentId ?? agentId;
  const id = `test-call-agent${props.idSuffix ?? ""}`;

  async function start() {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const created = await api.post<{ call_id: string; access_token: string }>("/v3/create-web-call", { agent_id: chosen });
      const call = await api.get<Call>(`/v2/get-call/${encodeURIComponent(created.call_id)}`);
      setResult({ callId: created.call_id, status: call.call_status });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="test-call">
      {props.fixedAgentId === undefined && (
        <div className="field inline">
          <label htmlFor={id}>Agent for a test call</label>
          <select id={id} value={agentId} onChange={(e) => setAgentId(e.target.value)}>
            <option value="">Choose an agent…</option>
            {props.agents.map((a) => <option key={a.agent_id} value={a.agent_id}>{a.agent_name ?? a.agent_id}</option>)}
          </select>
        </div>
      )}
      <button type="button" onClick={() => void start()} disabled={busy || !chosen} aria-label={props.agentName ? `Test call to ${props.agentName}` : undefined}>{busy ? "Starting…" : "Test call"}</button>
      <div aria-live="polite" className="test-call-result">
        {result && (
          <p>Web call <a href={href({ page: "call", callId: result.callId })}><code>{result.callId}</code></a> created, status <strong>{result.status}</strong>. Browser audio joins once web-call audio is available on this server.</p>
        )}
        {error && <p className="error" role="alert">{error}</p>}
      </div>
    </div>
  );
}
