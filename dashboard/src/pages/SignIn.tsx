import { useState, type FormEvent } from "react";

/** The API-key form; the key is checked against the server before anything else shows. */
export function SignIn(props: { busy: boolean; error: string | undefined; onSubmit: (key: string) => void }) {
  const [key, setKey] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (key.trim()) props.onSubmit(key.trim());
  };
  return (
    <section className="card narrow" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      <p>Enter a Parley API key. It is kept in this tab only (sessionStorage) and sent as a bearer token.</p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="api-key">API key</label>
          <input id="api-key" name="api-key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)}
            aria-invalid={props.error ? true : undefined} aria-describedby={props.error ? "signin-error" : undefined} required autoFocus />
          {props.error && <p id="signin-error" className="error" role="alert">{props.error}</p>}
        </div>
        <button type="submit" disabled={props.busy || !key.trim()}>{props.busy ? "Checking…" : "Sign in"}</button>
      </form>
      <p className="hint">The key was printed when Parley first started, or set with <code>PARLEY_API_KEY</code>.</p>
    </section>
  );
}
