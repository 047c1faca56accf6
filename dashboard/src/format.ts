import type { Fault, Phase } from "./types.js";

/** Local date and time to the second, e.g. "2026-11-23 17:04:05". */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A duration such as "4.2 s", "3 min 05 s" or "850 ms". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  const sec = Math.floor((ms % 60_000) / 1000);
  return `${min} min ${String(sec).padStart(2, "0")} s`;
}

/** Relative offset within a call, e.g. "+1.234 s". */
export function formatOffset(ms: number): string {
  return `+${(ms / 1000).toFixed(3)} s`;
}

const FAULT: Readonly<Record<Fault, string>> = {
  callee: "The other party (the person or machine called, or calling)",
  agent: "The AI agent (its LLM ended or transferred the call)",
  operator: "An operator, through the API or dashboard",
  platform: "Parley itself",
  provider: "The telephony provider / SIP trunk / carrier",
  customer: "Your configuration or servers (LLM server, webhook, client app, billing)",
  network: "The media path between the parties",
};

/** Who ended a call, as a sentence. */
export function faultLabel(f: Fault): string {
  return FAULT[f] ?? f;
}

const PHASE: Readonly<Record<Phase, string>> = {
  admission: "Admission (before any call was placed)",
  inbound_setup: "Inbound setup (before the agent answered)",
  setup: "Setup (before the audio connected)",
  dialing: "Dialing (the call was placed but never answered)",
  in_call: "In call (after the call connected)",
};

export function phaseLabel(p: Phase): string {
  return PHASE[p] ?? p;
}

/** A reason name as words: "dial_no_answer" → "dial no answer". */
export function words(name: string): string {
  return name.replace(/_/g, " ");
}
