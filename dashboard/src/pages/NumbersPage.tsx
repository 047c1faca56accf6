import { useState, type FormEvent } from "react";
import { ApiFailure, messageOf } from "../api.js";
import { ConfirmButton, errorProps, Field } from "../components/Field.js";
import { formErrors, NO_ERRORS, type FormErrors } from "../formErrors.js";
import { useAgents, useLoad } from "../hooks.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import type { AgentSummary, PhoneNumber } from "../types.js";

interface NumberDraft {
  phone_number: string;
  termination_uri: string;
  transport: "UDP" | "TCP" | "TLS";
  auth_username: string;
  auth_password: string;
  nickname: string;
  inbound_agent: string;
  outbound_agent: string;
  inbound_webhook_url: string;
}

/** import: a new number; edit: PATCH an existing one; reimport: delete it, then import it again. */
type Mode = "import" | "edit" | "reimport";

const EMPTY: NumberDraft = { phone_number: "", termination_uri: "", transport: "UDP", auth_username: "", auth_password: "", nickname: "", inbound_agent: "", outbound_agent: "", inbound_webhook_url: "" };
const FIELDS = Object.keys(EMPTY);
// The API's names for the form's fields.
const ALIASES: Readonly<Record<string, string>> = {
  sip_trunk_auth_username: "auth_username",
  sip_trunk_auth_password: "auth_password",
  inbound_agents: "inbound_agent",
  outbound_agents: "outbound_agent",
  inbound_agent_id: "inbound_agent",
  outbound_agent_id: "outbound_agent",
};

function draftOf(n: PhoneNumber): NumberDraft {
  const t = n.sip_outbound_trunk_config;
  const transport = t?.transport === "TCP" || t?.transport === "TLS" ? t.transport : "UDP";
  return {
    phone_number: n.phone_number,
    termination_uri: t?.termination_uri ?? "",
    transport,
    auth_username: t?.auth_username ?? "",
    auth_password: "",
    nickname: n.nickname ?? "",
    inbound_agent: n.inbound_agents?.[0]?.agent_id ?? "",
    outbound_agent: n.outbound_agents?.[0]?.agent_id ?? "",
    inbound_webhook_url: n.inbound_webhook_url ?? "",
  };
}

const agentList = (id: string) => (id ? [{ agent_id: id, weight: 1 }] : null);

function importBody(d: NumberDraft): Record<string, unknown> {
  return {
    phone_number: d.phone_number.trim(),
    termination_uri: d.termination_uri.trim(),
    transport: d.transport,
    ...(d.auth_username.trim() ? { sip_trunk_auth_username: d.auth_username.trim() } : {}),
    ...(d.auth_password ? { sip_trunk_auth_password: d.auth_password } : {}),
    ...(d.nickname.trim() ? { nickname: d.nickname.trim() } : {}),
    ...(d.inbound_agent ? { inbound_agents: agentList(d.inbound_agent) } : {}),
    ...(d.outbound_agent ? { outbound_agents: agentList(d.outbound_agent) } : {}),
    ...(d.inbound_webhook_url.trim() ? { inbound_webhook_url: d.inbound_webhook_url.trim() } : {}),
  };
}

/** PATCH body: blanks clear optional fields, except the password, which a blank leaves alone. */
function updateBody(d: NumberDraft): Record<string, unknown> {
  return {
    termination_uri: d.termination_uri.trim(),
    transport: d.transport,
    auth_username: d.auth_username.trim() || null,
    ...(d.auth_password ? { auth_password: d.auth_password } : {}),
    nickname: d.nickname.trim() || null,
    inbound_agents: agentList(d.inbound_agent),
    outbound_agents: agentList(d.outbound_agent),
    inbound_webhook_url: d.inbound_webhook_url.trim() || null,
  };
}

function AgentSelect(props: { id: string; value: string; agents: readonly AgentSummary[]; onChange: (v: string) => void; error: string | undefined }) {
  return (
    <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)} {...errorProps(props.id, props.error)}>
      <option value="">None</option>
      {props.agents.map((a) => <option key={a.agent_id} value={a.agent_id}>{a.agent_name ?? a.agent_id}</option>)}
    </select>
  );
}

/** Phone numbers: import a SIP trunk number, edit it, delete it, or delete and re-import it. */
export function NumbersPage() {
  const { api } = useSession();
  const agents = useAgents();
  const numbers = useLoad(async () => (await api.get<{ items: PhoneNumber[] }>("/v2/list-phone-numbers?limit=1000")).items, [api]);
  const [form, setForm] = useState<{ mode: Mode; draft: NumberDraft } | undefined>();
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [notice, setNotice] = useState<string | undefined>();
  const [listError, setListError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const open = (mode: Mode, draft: NumberDraft) => {
    setErrors(NO_ERRORS);
    setNotice(undefined);
    setForm({ mode, draft });
  };

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    const { mode, draft } = form;
    setBusy(true);
    setErrors(NO_ERRORS);
    const path = `/${encodeURIComponent(draft.phone_number.trim())}`;
    let deleted = false;
    try {
      if (mode === "edit") {
        await api.patch<PhoneNumber>(`/update-phone-number${path}`, updateBody(draft));
      } else {
        if (mode === "reimport") {
          try {
            await api.del(`/delete-phone-number${path}`);
            deleted = true;
          } catch (err) {
            // Already gone (say, a first attempt deleted it and the import was refused): import it now.
            if (!(err instanceof ApiFailure && err.status === 404)) throw err;
            deleted = true;
          }
        }
        await api.post<PhoneNumber>("/import-phone-number", importBody(draft));
      }
      setNotice(`${mode === "edit" ? "Saved" : mode === "reimport" ? "Re-imported" : "Imported"} ${draft.phone_number.trim()}.`);
      setForm(undefined);
    } catch (err) {
      setErrors(formErrors(err, FIELDS, ALIASES));
      // A re-import whose delete went through is now a plain import of a missing number.
      if (mode === "reimport" && deleted) setForm({ mode: "import", draft });
    } finally {
      setBusy(false);
      numbers.reload();
    }
  }

  async function remove(n: string) {
    setListError(undefined);
    try {
      await api.del(`/delete-phone-number/${encodeURIComponent(n)}`);
      setNotice(`Deleted ${n}.`);
      if (form?.draft.phone_number === n) setForm(undefined);
      numbers.reload();
    } catch (err) {
      setListError(messageOf(err));
    }
  }

  const set = <K extends keyof NumberDraft>(k: K, v: NumberDraft[K]) => form && setForm({ ...form, draft: { ...form.draft, [k]: v } });
  const d = form?.draft;
  const err = errors.fields;
  const agentName = (id: string | undefined) => (id ? agents.data?.find((a) => a.agent_id === id)?.agent_name ?? id : "—");
  const title = form?.mode === "edit" ? `Edit ${d?.phone_number}` : form?.mode === "reimport" ? `Delete and re-import ${d?.phone_number}` : "Import a SIP trunk number";

  return (
    <>
      <div className="page-head">
        <h1>Phone numbers</h1>
        <button type="button" onClick={() => open("import", EMPTY)}>Import number</button>
      </div>
      <div aria-live="polite">{notice && <p className="notice">{notice}</p>}</div>
      {form && d && (
        <section className="card" aria-labelledby="number-form-title">
          <h2 id="number-form-title">{title}</h2>
          {form.mode === "reimport" && <p className="hint">The number is deleted, then imported again with these settings: the fix the remedies suggest when a number's trunk configuration went wrong. Enter the trunk password again if it has one.</p>}
          <form onSubmit={(e) => void save(e)} noValidate className="form-grid">
            <Field id="num-number" label="Phone number (E.164)" error={err.phone_number}>
              <input id="num-number" inputMode="tel" value={d.phone_number} readOnly={form.mode !== "import"} placeholder="+14155550123" onChange={(e) => set("phone_number", e.target.value)} {...errorProps("num-number", err.phone_number)} />
            </Field>
            <Field id="num-uri" label="Termination URI" error={err.termination_uri} hint="Your trunk's SIP host[:port] or sip: URI">
              <input id="num-uri" value={d.termination_uri} placeholder="sip.trunk.example.com:5060" onChange={(e) => set("termination_uri", e.target.value)} {...errorProps("num-uri", err.termination_uri)} />
            </Field>
            <Field id="num-transport" label="Transport" error={err.transport}>
              <select id="num-transport" value={d.transport} onChange={(e) => set("transport", e.target.value as NumberDraft["transport"])}>
                <option value="UDP">UDP</option>
                <option value="TCP">TCP</option>
                <option value="TLS">TLS</option>
              </select>
            </Field>
            <Field id="num-user" label="Trunk auth username" error={err.auth_username}>
              <input id="num-user" autoComplete="off" value={d.auth_username} onChange={(e) => set("auth_username", e.target.value)} {...errorProps("num-user", err.auth_username)} />
            </Field>
            <Field id="num-pass" label="Trunk auth password" error={err.auth_password} {...(form.mode === "edit" ? { hint: "Blank keeps the stored password" } : {})}>
              <input id="num-pass" type="password" autoComplete="new-password" value={d.auth_password} onChange={(e) => set("auth_password", e.target.value)} {...errorProps("num-pass", err.auth_password)} />
            </Field>
            <Field id="num-nick" label="Nickname" error={err.nickname}>
              <input id="num-nick" value={d.nickname} onChange={(e) => set("nickname", e.target.value)} {...errorProps("num-nick", err.nickname)} />
            </Field>
            <Field id="num-in-agent" label="Inbound agent" error={err.inbound_agent}>
              <AgentSelect id="num-in-agent" value={d.inbound_agent} agents={agents.data ?? []} onChange={(v) => set("inbound_agent", v)} error={err.inbound_agent} />
            </Field>
            <Field id="num-out-agent" label="Outbound agent" error={err.outbound_agent}>
              <AgentSelect id="num-out-agent" value={d.outbound_agent} agents={agents.data ?? []} onChange={(v) => set("outbound_agent", v)} error={err.outbound_agent} />
            </Field>
            <Field id="num-hook" label="Inbound webhook URL" error={err.inbound_webhook_url}>
              <input id="num-hook" type="url" value={d.inbound_webhook_url} onChange={(e) => set("inbound_webhook_url", e.target.value)} {...errorProps("num-hook", err.inbound_webhook_url)} />
            </Field>
            {errors.form && <p className="error form-error" role="alert">{errors.form}</p>}
            <div className="actions">
              <button type="submit" disabled={busy}>{form.mode === "edit" ? "Save number" : form.mode === "reimport" ? "Delete and re-import" : "Import number"}</button>
              <button type="button" className="ghost" onClick={() => setForm(undefined)}>Cancel</button>
            </div>
          </form>
        </section>
      )}
      <section className="card" aria-labelledby="numbers-title">
        <h2 id="numbers-title">{numbers.data ? `${numbers.data.length} number${numbers.data.length === 1 ? "" : "s"}` : "Numbers"}</h2>
        {(numbers.error ?? listError) && <p className="error" role="alert">{numbers.error ?? listError}</p>}
        <div className="table-wrap">
          <table className="responsive">
            <thead>
              <tr><th scope="col">Number</th><th scope="col">Nickname</th><th scope="col">Trunk</th><th scope="col">Inbound agent</th><th scope="col">Outbound agent</th><th scope="col">Actions</th></tr>
            </thead>
            <tbody>
              {(numbers.data ?? []).map((n) => {
                const t = n.sip_outbound_trunk_config;
                return (
                  <tr key={n.phone_number} data-number={n.phone_number}>
                    <td data-label="Number"><a href={href({ page: "calls", params: { from: n.phone_number, direction: "outbound" } })} aria-label={`Outbound calls from ${n.phone_number}`}><code>{n.phone_number}</code></a></td>
                    <td data-label="Nickname">{n.nickname ?? "—"}</td>
                    <td data-label="Trunk">{t ? `${t.termination_uri ?? "?"} (${t.transport})` : <span className="muted">purchased</span>}</td>
                    <td data-label="Inbound agent">{agentName(n.inbound_agents?.[0]?.agent_id)}</td>
                    <td data-label="Outbound agent">{agentName(n.outbound_agents?.[0]?.agent_id)}</td>
                    <td data-label="Actions" className="actions-cell">
                      <div className="row-actions">
                        <button type="button" onClick={() => open("edit", draftOf(n))} aria-label={`Edit ${n.phone_number}`}>Edit</button>
                        {t && <button type="button" onClick={() => open("reimport", draftOf(n))} aria-label={`Delete and re-import ${n.phone_number}`}>Re-import</button>}
                        <ConfirmButton what={n.phone_number} onConfirm={() => void remove(n.phone_number)} />
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {numbers.data?.length === 0 && <p className="muted empty">No numbers yet: import your SIP trunk's number to place and take phone calls.</p>}
        </div>
      </section>
    </>
  );
}
