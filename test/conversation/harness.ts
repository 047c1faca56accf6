import type { CallEnd } from "../../src/core/call-end.js";
import type { CallEventType } from "../../src/core/call-event.js";
import type { WarmTransferOutcome, WarmTransferRequest } from "../../src/core/warm-transfer.js";
import type { ConversationAgentConfig } from "../../src/conversation/agent-config.js";
import type { AsrProvider, AsrTurn, AsrEvent } from "../../src/conversation/asr-provider.js";
import { Conversation, type TranscriptUpdate, type TurnTiming } from "../../src/conversation/conversation.js";
import { EspeakTts } from "../../src/conversation/espeak-tts.js";
import { PocketsphinxAsr } from "../../src/conversation/pocketsphinx-asr.js";
import type { TtsProvider } from "../../src/conversation/tts-provider.js";
import type { LlmSocketTiming } from "../../src/llm-socket/index.js";
import { FakeLeg } from "./fake-leg.js";

/** Fast LLM-socket timings so failure tests finish quickly. */
export const FAST_TIMING: Partial<LlmSocketTiming> = { openAttempts: 1, openTimeoutMs: 1000, openRetryDelayMs: 50, closeTimeoutMs: 300 };

/** An ASR stand-in that "hears" a fixed text at every flush (for tests that are not about ASR). */
export class ScriptedAsr implements AsrProvider {
  readonly name = "scripted";
  flushes = 0;
  readonly #listeners = new Set<(e: AsrEvent) => void>();
  constructor(private readonly text: string) {}
  /** Reports a fatal failure, as a recogniser that died for good would. */
  protected emitError(message: string): void {
    for (const l of this.#listeners) l({ type: "error", message, fatal: true });
  }
  async start(): Promise<void> {}
  push(): void {}
  async flush(): Promise<AsrTurn> {
    this.flushes += 1;
    return { text: this.text, words: [] };
  }
  on(l: (e: AsrEvent) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  async close(): Promise<void> {}
}

export interface Harness {
  readonly leg: FakeLeg;
  readonly conv: Conversation;
  readonly ends: CallEnd[];
  readonly logs: { type: CallEventType; data: Record<string, unknown> }[];
  readonly transfers: string[];
  readonly warmTransfers: WarmTransferRequest[];
  readonly updates: TranscriptUpdate[];
  readonly timings: TurnTiming[];
  /** Resolves with the first ending the conversation reports. */
  ended(timeoutMs: number): Promise<CallEnd>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly url: string;
  readonly agent?: ConversationAgentConfig;
  readonly asr?: AsrProvider;
  readonly tts?: TtsProvider;
  readonly transferResult?: boolean;
  /** What the call session answers a warm transfer (default: bridged); runs before answering. */
  readonly warmTransfer?: (req: WarmTransferRequest) => Promise<WarmTransferOutcome>;
  readonly callId?: string;
}

/** A conversation on a fake leg, with every callback recorded. */
export async function harness(o: HarnessOptions): Promise<Harness> {
  const leg = new FakeLeg();
  const ends: CallEnd[] = [];
  const logs: Harness["logs"] = [];
  const transfers: string[] = [];
  const warmTransfers: WarmTransferRequest[] = [];
  const updates: TranscriptUpdate[] = [];
  const timings: TurnTiming[] = [];
  const endWaiters = new Set<(e: CallEnd) => void>();
  const conv = new Conversation({
    leg,
    llmUrl: o.url,
    callId: o.callId ?? "call_test",
    agent: o.agent ?? {},
    asr: o.asr ?? new PocketsphinxAsr(),
    tts: o.tts ?? new EspeakTts({ voice: "en-us" }),
    llmTiming: FAST_TIMING,
    onTurnTiming: (t) => timings.push(t),
    callbacks: {
      end: (e) => {
        ends.push(e);
        for (const w of [...endWaiters]) w(e);
      },
      log: (type, data) => logs.push({ type, data }),
      transfer: async (n) => {
        transfers.push(n);
        return o.transferResult ?? true;
      },
      warmTransfer: async (req) => {
        warmTransfers.push(req);
        return o.warmTransfer ? o.warmTransfer(req) : { ok: true, target: req.destination };
      },
      onTranscript: (u) => updates.push(u),
    },
  });
  leg.start();
  await conv.start();
  return {
    leg,
    conv,
    ends,
    logs,
    transfers,
    warmTransfers,
    updates,
    timings,
    ended(timeoutMs) {
      return new Promise((resolve, reject) => {
        if (ends[0]) return resolve(ends[0]);
        const timer = setTimeout(() => {
          endWaiters.delete(w);
          reject(new Error(`no ending within ${timeoutMs} ms`));
        }, timeoutMs);
        const w = (e: CallEnd): void => {
          clearTimeout(timer);
          endWaiters.delete(w);
          resolve(e);
        };
        endWaiters.add(w);
      });
    },
    async stop() {
      leg.stop();
      await conv.stop();
    },
  };
}
