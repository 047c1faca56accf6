/** A recognised word; times in ms from the start of the call's caller audio. */
export interface AsrWord {
  readonly word: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** What a recogniser heard for one user turn. */
export interface AsrTurn {
  readonly text: string;
  /** Word timings where the provider gives them (empty otherwise). */
  readonly words: readonly AsrWord[];
}

/** What a streaming recogniser reports while audio flows. */
export type AsrEvent =
  | { readonly type: "partial"; readonly text: string }
  | { readonly type: "final"; readonly text: string; readonly words: readonly AsrWord[] }
  /** A failure; `fatal` means retries and fallback are spent and the call cannot go on (→ error_asr). */
  | { readonly type: "error"; readonly message: string; readonly fatal: boolean };

/**
 * A streaming speech recogniser for one call (DESIGN.md "Providers"). The conversation pushes every
 * caller frame, calls `flush()` when its turn detector decides the user finished, and uses the text
 * recognised since the previous flush.
 */
export interface AsrProvider {
  readonly name: string;
  /** Prepares the recogniser (spawns, connects); rejects when it cannot. */
  start(): Promise<void>;
  /** Feeds caller audio (PCM16 mono at `sampleRate`). */
  push(pcm: Int16Array, sampleRate: number): void;
  /** Ends the current turn: resolves with everything recognised since the last flush. */
  flush(): Promise<AsrTurn>;
  /** Subscribes to results and errors; returns the unsubscribe function. */
  on(listener: (e: AsrEvent) => void): () => void;
  /** Releases processes, sockets and timers. */
  close(): Promise<void>;
}

/** Joins the finals of one turn into a single result. */
export function joinFinals(finals: readonly AsrTurn[]): AsrTurn {
  return {
    text: finals.map((f) => f.text.trim()).filter((t) => t !== "").join(" "),
    words: finals.flatMap((f) => f.words),
  };
}

/**
 * Resolves when the provider signals (it calls the `done` it was handed) or after `ms`, whichever
 * comes first: a flush waits for the recogniser's last words but never hangs the turn on them.
 */
export function signalOrTimeout(ms: number, arm: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      resolve();
    }
    arm(done);
  });
}
