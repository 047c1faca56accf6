import { Fragment } from "react";

/** Catalogue text with `backticked` names shown as code, as the spec writes them. */
export function Prose(props: { text: string }) {
  const parts = props.text.split("`");
  return <>{parts.map((p, i) => (i % 2 === 1 ? <code key={i}>{p}</code> : <Fragment key={i}>{p}</Fragment>))}</>;
}
