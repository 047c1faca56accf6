import type { AudioLeg } from "../core/audio-leg.js";
import { callEnd, type CallEnd } from "../core/call-end.js";
import type { CallEventType } from "../core/call-event.js";
import type { WarmTransferOutcome, WarmTransferRequest } from "../core/warm-transfer.js";
import type { LlmSocketTiming } from "../llm-socket/index.js";
import { llmUrlOf, type ConversationAgentConfig } from "./agent-config.js";
import type { AsrProvider } from "./asr-provider.js";
import { Conversation, type ConversationResults, type TranscriptUpdate, type TurnTiming } from "./conversation.js";
import { asrFor, ttsFor } from "./providers.js";
import type { TtsProvider } from "./tts-provider.js";

/** What the calls layer injects once, at start-up. */
export interface ConversationRunnerDeps {
  /** Overrides provider choice (tests, or a deployment with one fixed engine). */
  readonly asr?: (agent: ConversationAgentConfig) => AsrProvider;
  readonly tts?: (agent: ConversationAgentConfig) => TtsProvider;
  readonly llmTiming?: Partial<LlmSocketTiming>;
  readonly onTurnTiming?: (callId: string, t: TurnTiming) => void;
}

/** One call, as the call session hands it over. */
export interface ConversationRunContext {
  readonly callId: string;
  readonly agentConfig: ConversationAgentConfig;
  readonly leg: AudioLeg;
  end(end: CallEnd): void;
  log(type: CallEventType, data: Record<string, unknown>): void;
  transfer(number: string): Promise<boolean>;
  warmTransfer(req: WarmTransferRequest): Promise<WarmTransferOutcome>;
  onTranscript(update: TranscriptUpdate): void;
  /** The call object sent as `call_details`. */
  callDetails?(): Readonly<Record<string, unknown>>;
}

/** A running conversation: stop it when the call ends, read its output after. */
export interface ConversationRun {
  /** Releases everything; resolves once sockets, processes and timers are gone. */
  stop(): Promise<void>;
  results(): ConversationResults;
}

const EMPTY: ConversationResults = {
  transcript: "",
  transcriptObject: [],
  transcriptWithToolCalls: [],
  latency: { e2e: { num: 0, values: [] }, asr: { num: 0, values: [] }, llm: { num: 0, values: [] }, llm_websocket_network_rtt: { num: 0, values: [] }, tts: { num: 0, values: [] } },
};

/** Builds the function that starts the agent on a connected leg (one call per call). */
export function createConversationRunner(deps: ConversationRunnerDeps = {}): (ctx: ConversationRunContext) => ConversationRun {
  return (ctx) => {
    const url = llmUrlOf(ctx.agentConfig);
    let asr: AsrProvider;
    let tts: TtsProvider;
    const fail = (reason: "error_llm_websocket_open" | "error_asr", message: string): ConversationRun => {
      queueMicrotask(() => ctx.end(callEnd(reason, { phase: "in_call", message })));
      return { stop: async () => {}, results: () => EMPTY };
    };
    if (!url) return fail("error_llm_websocket_open", "the agent has no llm_websocket_url (response_engine type custom-llm)");
    try {
      asr = (deps.asr ?? asrFor)(ctx.agentConfig);
      tts = (deps.tts ?? ttsFor)(ctx.agentConfig);
    } catch (err) {
      return fail("error_asr", `the agent's speech providers are misconfigured: ${(err as Error).message}`);
    }
    const conv = new Conversation({
      leg: ctx.leg,
      llmUrl: url,
      callId: ctx.callId,
      agent: ctx.agentConfig,
      ...(ctx.callDetails ? { callDetails: () => ctx.callDetails?.() ?? {} } : {}),
      asr,
      tts,
      callbacks: { end: (e) => ctx.end(e), log: (t, d) => ctx.log(t, d), transfer: (n) => ctx.transfer(n), warmTransfer: (r) => ctx.warmTransfer(r), onTranscript: (u) => ctx.onTranscript(u) },
      ...(deps.llmTiming ? { llmTiming: deps.llmTiming } : {}),
      ...(deps.onTurnTiming ? { onTurnTiming: (t: TurnTiming) => deps.onTurnTiming?.(ctx.callId, t) } : {}),
    });
    void conv.start();
    return { stop: () => conv.stop(), results: () => conv.results() };
  };
}
