import type { AgentWeight } from "../store/types.js";

/** Picks one agent from a weighted list (weights need not sum exactly to 1). */
export function pickWeighted(choices: readonly AgentWeight[], random: () => number = Math.random): AgentWeight | undefined {
  const total = choices.reduce((s, c) => s + Math.max(0, c.weight), 0);
  if (choices.length === 0 || total <= 0) return choices[0];
  let r = random() * total;
  for (const c of choices) {
    r -= Math.max(0, c.weight);
    if (r < 0) return c;
  }
  return choices[choices.length - 1];
}

/** A pinned integer version, or undefined for "latest" and tags. */
export function pinnedVersion(v: number | string | null | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  return undefined;
}
