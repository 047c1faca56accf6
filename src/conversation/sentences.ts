/**
 * Cuts streamed text into sentences as it arrives, so speech can start at the first complete one.
 * A sentence ends at . ! ? (or a newline) followed by whitespace; "e.g." style dots inside a word
 * and decimals do not end one.
 */
export class SentenceSplitter {
  #buf = "";

  /** Adds a chunk and returns the sentences it completed. */
  push(chunk: string): string[] {
    this.#buf += chunk;
    const out: string[] = [];
    const re = /[.!?]+["')\]]*\s+|\n+/g;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(this.#buf)) !== null) {
      const end = m.index + m[0].length;
      const s = this.#buf.slice(last, end).trim();
      // "Dr." or a single letter before the dot is more likely an abbreviation than a sentence end.
      if (/(?:^|\s)(?:[A-Z]|Dr|Mr|Mrs|Ms|St|vs|e\.g|i\.e)\.$/.test(s)) continue;
      if (s !== "") out.push(s);
      last = end;
    }
    this.#buf = this.#buf.slice(last);
    return out;
  }

  /** Returns what is left (the last sentence of a complete response). */
  end(): string {
    const rest = this.#buf.trim();
    this.#buf = "";
    return rest;
  }
}
