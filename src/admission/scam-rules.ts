/**
 * Rules that flag an agent as a likely phone scam from its own words. They look at the prompt,
 * begin message, name and metadata values; an operator flag overrides them in both directions.
 */
export interface ScamRule {
  readonly id: string;
  readonly pattern: RegExp;
  readonly why: string;
}

export const SCAM_RULES: readonly ScamRule[] = [
  { id: "gift_card_payment", pattern: /\b(pay|payment|purchase|buy)\b[^.]{0,60}\bgift ?cards?\b|\bgift ?cards?\b[^.]{0,60}\b(pay|payment|code)/i,
    why: "asks for payment in gift cards" },
  { id: "government_threat", pattern: /\b(irs|social security administration|ssa|police|sheriff|immigration)\b[^\n]{0,120}\b(arrest|warrant|deport|suspend|lawsuit)/i,
    why: "impersonates an authority and threatens arrest or suspension" },
  { id: "ssn_harvest", pattern: /\b(ask|collect|obtain|get|confirm|verify)\b[^.]{0,60}\b(social security number|ssn|card number|cvv|one[- ]time (pass)?code|otp|pin code|bank password)/i,
    why: "collects social security numbers, card numbers or one-time codes" },
  { id: "tech_support", pattern: /\b(your computer|your device)\b[^.]{0,60}\b(virus|infected|hacked)\b[^\n]{0,120}\b(remote access|anydesk|teamviewer|install)/i,
    why: "fake tech support asking for remote access" },
  { id: "crypto_wire_urgency", pattern: /\b(wire|send|transfer)\b[^.]{0,40}\b(bitcoin|crypto|usdt|western union|moneygram)\b/i,
    why: "pushes wire or crypto transfers" },
];

export interface ScamVerdict {
  readonly flagged: boolean;
  readonly by: "operator" | "rules" | "none";
  readonly matches: readonly { readonly rule: string; readonly why: string; readonly field: string }[];
}

function textsOf(value: unknown, path: string, out: { field: string; text: string }[]): void {
  if (typeof value === "string") out.push({ field: path, text: value });
  else if (Array.isArray(value)) value.forEach((v, i) => textsOf(v, `${path}[${i}]`, out));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) textsOf(v, path ? `${path}.${k}` : k, out);
}

/** Judges an agent's texts; `operatorFlag` true/false wins over the rules, undefined lets them decide. */
export function judgeScam(texts: Readonly<Record<string, unknown>>, operatorFlag: boolean | undefined): ScamVerdict {
  if (operatorFlag !== undefined) return { flagged: operatorFlag, by: operatorFlag ? "operator" : "none", matches: [] };
  const fields: { field: string; text: string }[] = [];
  textsOf(texts, "", fields);
  const matches = [];
  for (const { field, text } of fields) {
    for (const rule of SCAM_RULES) if (rule.pattern.test(text)) matches.push({ rule: rule.id, why: rule.why, field });
  }
  return { flagged: matches.length > 0, by: matches.length > 0 ? "rules" : "none", matches };
}
