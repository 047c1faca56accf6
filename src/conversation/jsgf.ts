/** Builds a JSGF grammar that accepts exactly the given phrases (lower-cased, punctuation dropped). */
export function grammarFromPhrases(phrases: readonly string[]): string {
  const alts = phrases
    .map((p) => p.toLowerCase().replace(/[^a-z' ]+/g, " ").replace(/\s+/g, " ").trim())
    .filter((p) => p !== "");
  if (alts.length === 0) throw new RangeError("a grammar needs at least one phrase with letters in it");
  return `#JSGF V1.0;\ngrammar parley;\npublic <utt> = ${[...new Set(alts)].join(" | ")};\n`;
}
