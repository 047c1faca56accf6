import { useState, type FormEvent } from "react";
import { messageOf } from "../api.js";
import { ConfirmButton, errorProps, Field } from "../components/Field.js";
import { TestCall } from "../components/TestCall.js";
import { formatTime } from "../format.js";
import { formErrors, NO_ERRORS, type FormErrors } from "../formErrors.js";
import { useAgents, useLoad } from "../hooks.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import type { Agent, Voice } from "../types.js";

interface AgentDraft {
  agent_name: string;
  llm_websocket_url: string;
  voice_id: string;
  max_call_duration_ms: string;
  end_call_after_silence_ms: string;
  ring_duration_ms: string;
}

const EMPTY: AgentDraft = { agent_name: "", llm_websocket_url: "", voice_id: "", max_call_duration_ms: "", end_call_after_silence_ms: "", ring_duration_ms: "" };
const FIELDS = Object.keys(EMPTY);
const NUMERIC = ["max_call_duration_ms", "end_call_after_silence_ms", "ring_duration_ms"] as const;

function draftOf(a: Agent): AgentDraft {
  return {
    agent_name: a.agent_name ?? "",
    llm_websocket_url: a.response_engine?.llm_websocket_url ?? "",
    voice_id: a.voice_id ?? "",
    max_call_duration_ms: a.max_call_duration_ms?.toString() ?? "",
    end_call_after_silence_ms: a.end_call_after_silence_ms?.toString() ?? "",
    ring_duration_ms: a.ring_duration_ms?.toString() ?? "",
  };
}

/** The request body for a draft; blank numbers are left out so the server keeps its defaults. */
function bodyOf(d: AgentDraft): Record<string, unknown> {
  const body: Record<string, unknown> = {
    agent_name: d.agent_name.trim() || null,
    response_engine: { type: "custom-llm", llm_websocket_url: d.llm_websocket_url.trim() },
    voice_id: d.voice_id,
  };
  for (const k of NUMERIC) {
    const v = d[k].trim();
    if (v !== "") body[k] = Number(v);
  }
  return body;
}

/** Agents: list, create, edit, delete, and a test call for each. */
export function AgentsPage() {
  const { api } = useSession();
  const agents = useAgents();
  const voices = useLoad(() => api.get<Voice[]>("/list-voices"), [api]);
  const [editing, setEditing] = useState<{ id?: string; draft: AgentDraft } | undefined>();
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [listError, setListError] = useState<string | undefined>();

  const startCreate = () => {
    setErrors(NO_ERRORS);
    setEditing({ draft: { ...EMPTY, voice_id: voices.data?.[0]?.voice_id ?? "" } });
  };
  async function startEdit(id: string) {
    setErrors(NO_ERRORS);
    try {
      const a = await api.get<Agent>(`/get-agent/${encodeURIComponent(id)}`);
      setEditing({ id, draft: draftOf(a) });
    } catch (err) {
      setListError(messageOf(err));
    }
  }
  async function save(e: FormEvent) {
    e.preventDefault();
    if (!editing) return;
    // The server's schema error for a bad URL names a union branch; say plainly what is wanted.
    if (!/^wss?:\/\/\S+$/.test(editing.draft.llm_websocket_url.trim())) {
      setErrors({ fields: { llm_websocket_url: "must start with ws:// or wss:// (the address of your custom-LLM websocket server)" } });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      const saved = editing.id
        ? await api.patch<Agent>(`/update-agent/${encodeURIComponent(editing.id)}`, bodyOf(editing.draft))
        : await api.post<Agent>("/create-agent", bodyOf(editing.draft));
      setNotice(`${editing.id ? "Saved" : "Created"} agent ${saved.agent_name ?? saved.agent_id}.`);
      setEditing(undefined);
      agents.reload();
    } catch (err) {
      setErrors(formErrors(err, FIELDS, { response_engine: "llm_websocket_url" }));
    } finally {
      setBusy(false);
    }
  }
  async function remove(id: string, name: string) {
    setListError(undefined);
    try {
      await api.del(`/delete-agent/${encodeURIComponent(id)}`);
      setNotice(`Deleted agent ${name}.`);
      if (editing?.id === id) setEditing(undefined);
      agents.reload();
    } catch (err) {
      setListError(messageOf(err));
    }
  }

  const set = (k: keyof AgentDraft, v: string) => editing && setEditing({ ...editing, draft: { ...editing.draft, [k]: v } });
  const d = editing?.draft;
  const err = errors.fields;

  return (
    <>
      <div className="page-head">
        <h1>Agents</h1>
        <button type="button" onClick={startCreate}>New agent</button>
      </div>
      <div aria-live="polite">{notice && <p className="notice">{notice}</p>}</div>
      {editing && d && (
        <section className="card" aria-labelledby="agent-form-title">
          <h2 id="agent-form-title">{editing.id ? `Edit agent ${editing.id}` : "New agent"}</h2>
          <form onSubmit={(e) => void save(e)} noValidate className="form-grid">
            <Field id="agent-name" label="Name" error={err.agent_name}>
              <input id="agent-name" value={d.agent_name} onChange={(e) => set("agent_name", e.target.value)} {...errorProps("agent-name", err.agent_name)} />
            </Field>
            <Field id="agent-llm" label="LLM websocket URL" error={err.llm_websocket_url} hint="Your server speaking Retell's custom-LLM protocol, ws:// or wss://">
              <input id="agent-llm" type="url" value={d.llm_websocket_url} placeholder="wss://llm.example.com/retell" onChange={(e) => set("llm_websocket_url", e.target.value)} {...errorProps("agent-llm", err.llm_websocket_url)} />
            </Field>
            <Field id="agent-voice" label="Voice" error={err.voice_id}>
              <select id="agent-voice" value={d.voice_id} onChange={(e) => set("voice_id", e.target.value)} {...errorProps("agent-voice", err.voice_id)}>
                <option value="">Choose a voice…</option>
                {(voices.data ?? []).map((v) => <option key={v.voice_id} value={v.voice_id}>{v.voice_name}</option>)}
              </select>
            </Field>
            <Field id="agent-max" label="Max call duration (ms)" error={err.max_call_duration_ms} hint="60000–7200000; blank keeps the default (1 h)">
              <input id="agent-max" inputMode="numeric" value={d.max_call_duration_ms} onChange={(e) => set("max_call_duration_ms", e.target.value)} {...errorProps("agent-max", err.max_call_duration_ms)} />
            </Field>
            <Field id="agent-silence" label="End call after silence (ms)" error={err.end_call_after_silence_ms} hint="At least 10000; blank keeps the default">
              <input id="agent-silence" inputMode="numeric" value={d.end_call_after_silence_ms} onChange={(e) => set("end_call_after_silence_ms", e.target.value)} {...errorProps("agent-silence", err.end_call_after_silence_ms)} />
            </Field>
            <Field id="agent-ring" label="Ring duration (ms)" error={err.ring_duration_ms} hint="5000–300000; blank keeps the default">
              <input id="agent-ring" inputMode="numeric" value={d.ring_duration_ms} onChange={(e) => set("ring_duration_ms", e.target.value)} {...errorProps("agent-ring", err.ring_duration_ms)} />
            </Field>
            {errors.form && <p className="error form-error" role="alert">{errors.form}</p>}
            <div className="actions">
              <button type="submit" disabled={busy}>{editing.id ? "Save agent" : "Create agent"}</button>
              <button type="button" className="ghost" onClick={() => setEditing(undefined)}>Cancel</button>
            </div>
          </form>
        </section>
      )}
      <section className="card" aria-labelledby="agents-title">
        <h2 id="agents-title">{agents.data ? `${agents.data.length} agent${agents.data.length === 1 ? "" : "s"}` : "Agents"}</h2>
        {(agents.error ?? listError) && <p className="error" role="alert">{agents.error ?? listError}</p>}
        <div className="table-wrap">
          <table className="responsive">
            <thead><tr><th scope="col">Name</th><th scope="col">Agent id</th><th scope="col">Modified</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {(agents.data ?? []).map((a) => {
                const name = a.agent_name ?? a.agent_id;
                return (
                  <tr key={a.agent_id} data-agent-id={a.agent_id}>
                    <td data-label="Name">{a.agent_name ?? <span className="muted">(unnamed)</span>}</td>
                    <td data-label="Agent id"><code>{a.agent_id}</code></td>
                    <td data-label="Modified">{formatTime(a.user_modified_timestamp)}</td>
                    <td data-label="Actions" className="actions-cell">
                      <div className="row-actions">
                        <a href={href({ page: "calls", params: { agent: a.agent_id } })} aria-label={`Calls of ${name}`}>Calls</a>
                        <button type="button" onClick={() => void startEdit(a.agent_id)} aria-label={`Edit ${name}`}>Edit</button>
                        <ConfirmButton what={name} onConfirm={() => void remove(a.agent_id, name)} />
                        <TestCall agents={[]} fixedAgentId={a.agent_id} agentName={name} idSuffix={`-${a.agent_id}`} />
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {agents.data?.length === 0 && <p className="muted empty">No agents yet: create one to take or place calls.</p>}
        </div>
      </section>
    </>
  );
}
