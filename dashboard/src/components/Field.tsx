import { useState, type ReactNode } from "react";

/** Props that tie an input to its error message (read out by screen readers with the field). */
export function errorProps(id: string, error: string | undefined): { "aria-invalid"?: true; "aria-describedby"?: string } {
  return error ? { "aria-invalid": true, "aria-describedby": `${id}-error` } : {};
}

/** A labelled form field with an optional hint and the server's message for it. */
export function Field(props: { id: string; label: string; error?: string | undefined; hint?: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {props.hint && <p className="hint">{props.hint}</p>}
      {props.error && <p id={`${props.id}-error`} className="error field-error" role="alert">{props.error}</p>}
    </div>
  );
}

/** A destructive button that asks once more in place (no modal dialog to trap focus). */
export function ConfirmButton(props: { what: string; verb?: string; onConfirm: () => void }) {
  const [asking, setAsking] = useState(false);
  const verb = props.verb ?? "Delete";
  if (!asking) return <button type="button" className="danger" onClick={() => setAsking(true)} aria-label={`${verb} ${props.what}`}>{verb}</button>;
  return (
    <span className="confirm" role="group" aria-label={`Confirm: ${verb.toLowerCase()} ${props.what}`}>
      <span>Really {verb.toLowerCase()}?</span>
      <button type="button" className="danger" onClick={() => { setAsking(false); props.onConfirm(); }} autoFocus>Yes, {verb.toLowerCase()}</button>
      <button type="button" className="ghost" onClick={() => setAsking(false)}>Cancel</button>
    </span>
  );
}
