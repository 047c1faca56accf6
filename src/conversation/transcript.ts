import type { Utterance } from "../core/call-record.js";
import type { WireTranscriptItem } from "../llm-socket/messages.js";

/** A non-utterance entry of `transcript_with_tool_calls`. */
export type ToolItem = Exclude<WireTranscriptItem, { readonly role: "agent" | "user" | "transfer_target" }>;

type Entry = { readonly kind: "utterance"; readonly index: number } | { readonly kind: "tool"; readonly item: ToolItem };

/** A word with Retell's timing in seconds. */
export interface TimedWord {
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

/**
 * The call's transcript as Retell reports it: utterances in order (`transcript_object`), the same
 * with tool calls and DTMF woven in (`transcript_with_tool_calls`), and the plain text form.
 */
export class Transcript {
  readonly #utterances: Utterance[] = [];
  readonly #entries: Entry[] = [];

  /** Appends an utterance and returns its index (for later edits such as barge-in truncation). */
  add(role: Utterance["role"], content: string, words: readonly TimedWord[] = []): number {
    const index = this.#utterances.length;
    this.#utterances.push({ role, content, words: [...words] });
    this.#entries.push({ kind: "utterance", index });
    return index;
  }

  /** Replaces an utterance's content (and words, when given). */
  set(index: number, content: string, words?: readonly TimedWord[]): void {
    const u = this.#utterances[index];
    if (!u) return;
    u.content = content;
    if (words) u.words = [...words];
  }

  /** Drops the last utterance when it is `index` and empty (an agent turn cut before any word). */
  dropIfEmpty(index: number): void {
    const u = this.#utterances[index];
    if (!u || u.content.trim() !== "" || index !== this.#utterances.length - 1) return;
    this.#utterances.pop();
    const e = this.#entries.findLastIndex((x) => x.kind === "utterance" && x.index === index);
    if (e >= 0) this.#entries.splice(e, 1);
  }

  addTool(item: ToolItem): void {
    this.#entries.push({ kind: "tool", item });
  }

  /** `transcript_object`: copies, so callers cannot edit the live state. */
  utterances(): Utterance[] {
    return this.#utterances.map((u) => ({ role: u.role, content: u.content, words: u.words.map((w) => ({ ...w })) }));
  }

  /** `transcript_with_tool_calls`. */
  withToolCalls(): WireTranscriptItem[] {
    return this.#entries.map((e) => {
      if (e.kind === "tool") return e.item;
      const u = this.#utterances[e.index] as Utterance;
      return { role: u.role, content: u.content, words: u.words.map((w) => ({ ...w })) };
    });
  }

  /** `transcript`: "Agent: …\nUser: …". */
  text(): string {
    return this.#utterances
      .filter((u) => u.content.trim() !== "")
      .map((u) => `${u.role === "agent" ? "Agent" : u.role === "user" ? "User" : "Transfer target"}: ${u.content}`)
      .join("\n");
  }
}

/** Spreads words evenly over an interval when the recogniser gave no timings. */
export function spreadWords(text: string, startMs: number, endMs: number): TimedWord[] {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const step = words.length > 0 ? Math.max(0, endMs - startMs) / words.length : 0;
  return words.map((word, i) => ({ word, start: (startMs + i * step) / 1000, end: (startMs + (i + 1) * step) / 1000 }));
}

/** The words of a sentence cut by barge-in that were at least partly heard (`fraction` of its audio played). */
export function leadingWords(text: string, fraction: number): string {
  const words = text.split(/\s+/).filter((w) => w !== "");
  return words.slice(0, Math.ceil(words.length * Math.min(1, Math.max(0, fraction)) - 1e-9)).join(" ");
}
