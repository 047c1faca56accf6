import { performance } from "node:perf_hooks";
import type { AudioLeg, AudioLegEvent } from "../core/audio-leg.js";
import { callEnd, type CallEnd } from "../core/call-end.js";
import { DEFAULT_TRANSFER_TIMEOUT_MS, type WarmTransferOutcome, type WarmTransferRequest } from "../core/warm-transfer.js";
import type { CallEventType } from "../core/call-event.js";
import type { LatencyStats, Utterance } from "../core/call-record.js";
import { LlmSocket, logEntryFor, type LlmSocketEvent, type LlmSocketTiming, type SpeechActions } from "../llm-socket/index.js";
import type { WireTranscriptItem } from "../llm-socket/messages.js";
import { Resampler } from "../media/resample.js";
import { conversationSettings, type ConversationAgentConfig, type ConversationSettings } from "./agent-config.js";
import type { AsrProvider } from "./asr-provider.js";
import { summarize } from "./latency-stats.js";
import { playedOut, speakTo } from "./playout.js";
import { SentenceSplitter } from "./sentences.js";
import { leadingWords, spreadWords, Transcript } from "./transcript.js";
import type { TtsProvider } from "./tts-provider.js";
import { bargeInMs, TurnDetector, type TurnEvent } from "./turn-detector.js";
import { VAD_RATE, VAD_WINDOW, Vad } from "./vad.js";

/** How the conversation reaches the rest of Parley (the call session). */
export interface ConversationCallbacks {
  /** The conversation decided the call ends (agent_hangup, inactivity, LLM or ASR failure). */
  end(end: CallEnd): void;
  /** One detailed-log entry. */
  log(type: CallEventType, data: Record<string, unknown>): void;
  /** Transfers the caller (SIP REFER); resolves false when it did not happen, and the agent talks on. */
  transfer(number: string): Promise<boolean>;
  /** Warm-transfers the caller: dial, whisper, bridge; on failure the agent talks on. */
  warmTransfer(req: WarmTransferRequest): Promise<WarmTransferOutcome>;
  /** The transcript changed (the transcript_updated webhook). */
  onTranscript(update: TranscriptUpdate): void;
}

/** The transcript in Retell's three forms. */
export interface TranscriptUpdate {
  readonly transcript: string;
  readonly transcriptObject: Utterance[];
  readonly transcriptWithToolCalls: WireTranscriptItem[];
}

/** The call output: transcripts plus the `latency` object as Retell reports it. */
export interface ConversationResults extends TranscriptUpdate {
  readonly latency: {
    readonly e2e: LatencyStats;
    readonly asr: LatencyStats;
    readonly llm: LatencyStats;
    readonly llm_websocket_network_rtt: LatencyStats;
    readonly tts: LatencyStats;
  };
}

/** The timing of one answered user turn, in ms (for benchmarks and the log). */
export interface TurnTiming {
  /** Silence waited after the speech before the turn was declared over. */
  readonly endpointMs: number;
  readonly asrMs: number;
  /** response_required sent → first response chunk. */
  readonly llmMs: number;
  /** Sentence handed to TTS → its first audio. */
  readonly ttsMs: number;
  /** End of user speech (as the VAD saw it) → first agent audio handed to the leg. */
  readonly totalMs: number;
  /** performance.now() when the turn end was decided and when the first agent audio went to the leg. */
  readonly turnEndAt: number;
  readonly firstAudioAt: number;
}

export interface ConversationOptions {
  readonly leg: AudioLeg;
  readonly llmUrl: string;
  readonly callId: string;
  readonly agent: ConversationAgentConfig;
  /** The call object for `call_details`. */
  readonly callDetails?: () => Readonly<Record<string, unknown>>;
  readonly asr: AsrProvider;
  readonly tts: TtsProvider;
  readonly callbacks: ConversationCallbacks;
  readonly llmTiming?: Partial<LlmSocketTiming>;
  /** Called once per answered turn with its latency breakdown. */
  readonly onTurnTiming?: (t: TurnTiming) => void;
}

/** Latency marks of the user turn an agent speech answers. */
interface TurnMark {
  readonly speechEndAt: number;
  readonly turnEndAt: number;
  readonly endpointMs: number;
  readonly asrMs: number;
  llmMs?: number;
  ttsMs?: number;
}

interface Speech {
  readonly key: string;
  readonly abort: AbortController;
  readonly splitter: SentenceSplitter;
  readonly sentences: string[];
  readonly segments: { text: string; startMs: number; endMs: number }[];
  readonly mark: TurnMark | undefined;
  complete: boolean;
  actions: SpeechActions;
  utterance: number;
  sentMs: number;
  wake: (() => void) | undefined;
}

/** How long after the last caller digit the digits are taken as the user's turn. */
const DTMF_TURN_MS = 1500;

/**
 * The agent loop of one call: caller audio → VAD/turns → ASR → the user's LLM over the custom-LLM
 * websocket → TTS sentence by sentence → the leg, with barge-in, reminders, inactivity, transfers
 * and DTMF. Every ending it causes goes out through `callbacks.end` exactly as classified.
 */
export class Conversation {
  readonly #o: ConversationOptions;
  readonly #leg: AudioLeg;
  readonly #cb: ConversationCallbacks;
  readonly #socket: LlmSocket;
  readonly #transcript = new Transcript();
  readonly #settings: ConversationSettings;
  readonly #detector: TurnDetector;
  readonly #lat = { e2e: [] as number[], asr: [] as number[], llm: [] as number[], tts: [] as number[] };
  readonly #offs: (() => void)[] = [];
  readonly #abandoned = new Set<string>();
  /** Aborts a warm transfer's whisper when the conversation stops. */
  readonly #whisperAbort = new AbortController();
  #vad: Vad | undefined;
  #vadChain: Promise<void> = Promise.resolve();
  #vadBuf = new Int16Array(0);
  #vadWindows = 0;
  #toVad: Resampler | undefined;
  #speech: Speech | undefined;
  #awaiting: { id: number; mark: TurnMark | undefined } | undefined;
  #reminderTimer: NodeJS.Timeout | undefined;
  #inactivityTimer: NodeJS.Timeout | undefined;
  #dtmfTimer: NodeJS.Timeout | undefined;
  #beginTimer: NodeJS.Timeout | undefined;
  #beginGate: Promise<void> = Promise.resolve();
  #dtmfDigits = "";
  #reminders = 0;
  #stopped = false;
  #ended = false;

  constructor(options: ConversationOptions) {
    this.#o = options;
    this.#leg = options.leg;
    this.#cb = options.callbacks;
    this.#settings = conversationSettings(options.agent);
    this.#detector = new TurnDetector({
      responsiveness: this.#settings.responsiveness,
      interruptionSensitivity: this.#settings.interruptionSensitivity,
    });
    this.#socket = new LlmSocket({
      url: options.llmUrl,
      callId: options.callId,
      ...(options.callDetails ? { callDetails: options.callDetails } : {}),
      openPhase: "in_call",
      ...(options.llmTiming ? { timing: options.llmTiming } : {}),
    });
  }

  /** The socket to the LLM server (for its state and taps). */
  get llmSocket(): LlmSocket {
    return this.#socket;
  }

  /** Loads VAD, starts the recogniser and dials the LLM server; failures end the call. */
  async start(): Promise<void> {
    if (this.#settings.beginMessageDelayMs > 0) {
      this.#beginGate = new Promise((resolve) => (this.#beginTimer = setTimeout(resolve, this.#settings.beginMessageDelayMs)));
    }
    this.#offs.push(this.#socket.on((e) => this.#onLlm(e)));
    this.#offs.push(
      this.#o.asr.on((e) => {
        if (e.type === "error") {
          this.#cb.log("error", { source: "asr", provider: this.#o.asr.name, message: e.message, fatal: e.fatal });
          if (e.fatal) this.#end(callEnd("error_asr", { phase: "in_call", message: `${this.#o.asr.name}: ${e.message}` }));
        }
      }),
    );
    try {
      [this.#vad] = await Promise.all([Vad.create(), this.#o.asr.start()]);
    } catch (err) {
      this.#end(callEnd("error_asr", { phase: "in_call", message: `speech recognition could not start: ${(err as Error).message}` }));
      return;
    }
    if (this.#stopped) return;
    this.#offs.push(this.#leg.on((e) => this.#onLeg(e)));
    this.#armInactivity();
    await this.#socket.start();
  }

  /** Releases everything: LLM socket (closed with 1000), recogniser, synthesis, timers. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const off of this.#offs.splice(0)) off();
    for (const t of [this.#reminderTimer, this.#inactivityTimer, this.#dtmfTimer, this.#beginTimer]) clearTimeout(t);
    const s = this.#speech;
    this.#speech = undefined;
    if (s) {
      s.abort.abort();
      s.wake?.();
    }
    this.#whisperAbort.abort();
    await Promise.allSettled([this.#socket.close(), this.#o.asr.close(), this.#o.tts.close?.(), this.#vadChain]);
  }

  /** Transcripts and latency so far. */
  results(): ConversationResults {
    return {
      ...this.#transcriptUpdate(),
      latency: {
        e2e: summarize(this.#lat.e2e),
        asr: summarize(this.#lat.asr),
        llm: summarize(this.#lat.llm),
        llm_websocket_network_rtt: this.#socket.rttStats(),
        tts: summarize(this.#lat.tts),
      },
    };
  }

  #end(end: CallEnd): void {
    if (this.#ended || this.#stopped) return;
    this.#ended = true;
    this.#cb.end(end);
  }

  #transcriptUpdate(): TranscriptUpdate {
    return {
      transcript: this.#transcript.text(),
      transcriptObject: this.#transcript.utterances(),
      transcriptWithToolCalls: this.#transcript.withToolCalls(),
    };
  }

  #transcriptChanged(): void {
    const u = this.#transcriptUpdate();
    this.#cb.onTranscript(u);
    this.#leg.sendClientEvent?.({ event_type: "update", transcript: u.transcriptObject });
  }

  #input(): { transcript: Utterance[]; transcriptWithToolCalls?: WireTranscriptItem[] } {
    const withTools = this.#socket.serverConfig?.transcriptWithToolCalls;
    return { transcript: this.#transcript.utterances(), ...(withTools ? { transcriptWithToolCalls: this.#transcript.withToolCalls() } : {}) };
  }

  // ---- caller side ----

  #onLeg(e: AudioLegEvent): void {
    if (this.#stopped) return;
    switch (e.type) {
      case "audio":
        this.#onAudio(e.pcm, e.sampleRate);
        return;
      case "dtmf":
        this.#onDtmf(e.digit);
        return;
      case "first_audio":
      case "playout_idle":
      case "ended":
        return;
    }
  }

  #onAudio(pcm: Int16Array, rate: number): void {
    this.#o.asr.push(pcm, rate);
    let p8 = pcm;
    if (rate !== VAD_RATE) {
      if (!this.#toVad || this.#toVad.inRate !== rate) this.#toVad = new Resampler(rate, VAD_RATE);
      p8 = this.#toVad.process(pcm);
    }
    const buf = new Int16Array(this.#vadBuf.length + p8.length);
    buf.set(this.#vadBuf);
    buf.set(p8, this.#vadBuf.length);
    let o = 0;
    for (; o + VAD_WINDOW <= buf.length; o += VAD_WINDOW) {
      const win = buf.slice(o, o + VAD_WINDOW);
      this.#vadChain = this.#vadChain.then(() => this.#vadWindow(win)).catch((err: Error) => this.#cb.log("error", { source: "vad", message: err.message }));
    }
    this.#vadBuf = buf.slice(o);
  }

  async #vadWindow(win: Int16Array): Promise<void> {
    if (this.#stopped || !this.#vad) return;
    const prob = await this.#vad.probability(win);
    if (this.#stopped) return;
    this.#vadWindows += 1;
    const windowMs = (VAD_WINDOW * 1000) / VAD_RATE;
    for (const ev of this.#detector.push(prob, this.#vadWindows * windowMs, windowMs)) this.#onTurn(ev);
  }

  #onTurn(ev: TurnEvent): void {
    this.#cb.log("vad.turn", { ...ev });
    switch (ev.type) {
      case "speech_start":
        clearTimeout(this.#reminderTimer);
        this.#reminders = 0;
        this.#armInactivity();
        return;
      case "barge_in": {
        const s = this.#speech;
        if (s && !s.actions.noInterruptionAllowed) this.#interrupt(s, ev.atMs);
        return;
      }
      case "turn_end":
        void this.#onTurnEnd(ev, performance.now());
        return;
    }
  }

  async #onTurnEnd(ev: Extract<TurnEvent, { type: "turn_end" }>, now: number): Promise<void> {
    const talking = this.#speech;
    if (talking) {
      // The agent may have started after the user did (so no barge-in fired): speech long enough to
      // interrupt still takes the turn; shorter speech is a backchannel ("uh-huh"), not a turn.
      const long = ev.speechEndMs - ev.speechStartMs >= bargeInMs(this.#settings.interruptionSensitivity);
      if (!long || talking.actions.noInterruptionAllowed) {
        await this.#o.asr.flush();
        return;
      }
      this.#interrupt(talking, ev.atMs);
    }
    const endpointMs = ev.atMs - ev.speechEndMs;
    const flushAt = performance.now();
    const heard = await this.#o.asr.flush();
    if (this.#stopped) return;
    const asrMs = performance.now() - flushAt;
    this.#lat.asr.push(asrMs);
    const text = heard.text.trim() === "" ? "(unintelligible audio)" : heard.text.trim();
    const words =
      heard.words.length > 0
        ? heard.words.map((w) => ({ word: w.word, start: w.startMs / 1000, end: w.endMs / 1000 }))
        : spreadWords(heard.text, ev.speechStartMs, ev.speechEndMs);
    this.#cb.log("asr.result", { provider: this.#o.asr.name, text, words: words.length, asrMs: Math.round(asrMs) });
    this.#userSaid(text, words, { speechEndAt: now - endpointMs, turnEndAt: now, endpointMs, asrMs });
  }

  #userSaid(text: string, words: { word: string; start: number; end: number }[], mark: TurnMark | undefined): void {
    this.#transcript.add("user", text, words);
    this.#transcriptChanged();
    clearTimeout(this.#reminderTimer);
    const id = this.#socket.requestResponse(this.#input());
    this.#awaiting = { id, mark };
    this.#armInactivity();
  }

  #onDtmf(digit: string): void {
    this.#cb.log("dtmf", { direction: "in", digit });
    this.#transcript.addTool({ role: "dtmf", digit });
    this.#dtmfDigits += digit;
    clearTimeout(this.#reminderTimer);
    clearTimeout(this.#dtmfTimer);
    this.#armInactivity();
    const flush = (): void => {
      const digits = this.#dtmfDigits;
      this.#dtmfDigits = "";
      if (digits !== "" && !this.#stopped) this.#userSaid(digits, [], undefined);
    };
    if (digit === "#") flush();
    else this.#dtmfTimer = setTimeout(flush, DTMF_TURN_MS);
  }

  // ---- agent side ----

  #onLlm(e: LlmSocketEvent): void {
    const entry = logEntryFor(e);
    if (entry) this.#cb.log(entry.type, entry.data);
    if (this.#stopped) return;
    switch (e.type) {
      case "ended":
        this.#end(e.end);
        return;
      case "response_chunk":
        this.#onContent(`r${e.responseId}`, e.responseId, e.content, e.complete, e, e.elapsedMs);
        return;
      case "agent_interrupt":
        this.#onContent(`i${e.interruptId}`, undefined, e.content, e.complete, e, undefined);
        return;
      case "update_agent": {
        const a = e.agentConfig;
        if (a.responsiveness !== undefined) this.#settings.responsiveness = a.responsiveness;
        if (a.interruptionSensitivity !== undefined) this.#settings.interruptionSensitivity = a.interruptionSensitivity;
        if (a.reminderTriggerMs !== undefined) this.#settings.reminderTriggerMs = a.reminderTriggerMs;
        if (a.reminderMaxCount !== undefined) this.#settings.reminderMaxCount = a.reminderMaxCount;
        this.#detector.update({ responsiveness: this.#settings.responsiveness, interruptionSensitivity: this.#settings.interruptionSensitivity });
        return;
      }
      case "tool_call_invocation":
        this.#transcript.addTool({ role: "tool_call_invocation", tool_call_id: e.toolCallId, name: e.name, arguments: e.arguments });
        this.#transcriptChanged();
        return;
      case "tool_call_result":
        this.#transcript.addTool({
          role: "tool_call_result",
          tool_call_id: e.toolCallId,
          content: e.content,
          ...(e.successful !== undefined ? { successful: e.successful } : {}),
        });
        this.#transcriptChanged();
        return;
      case "metadata":
        this.#leg.sendClientEvent?.({ event_type: "metadata", metadata: e.metadata });
        return;
      default:
        return;
    }
  }

  #onContent(key: string, responseId: number | undefined, content: string, complete: boolean, actions: SpeechActions, elapsedMs: number | undefined): void {
    if (this.#abandoned.has(key)) return;
    let s = this.#speech;
    if (!s || s.key !== key) {
      if (s) this.#cancel(s, "replaced");
      const awaited = this.#awaiting && this.#awaiting.id === responseId ? this.#awaiting : undefined;
      if (awaited) this.#awaiting = undefined;
      const mark = awaited?.mark;
      if (mark && elapsedMs !== undefined) {
        mark.llmMs = elapsedMs;
        this.#lat.llm.push(elapsedMs);
      }
      clearTimeout(this.#reminderTimer);
      clearTimeout(this.#inactivityTimer);
      s = {
        key,
        abort: new AbortController(),
        splitter: new SentenceSplitter(),
        sentences: [],
        segments: [],
        mark,
        complete: false,
        actions: {},
        utterance: -1,
        sentMs: 0,
        wake: undefined,
      };
      this.#speech = s;
      void this.#run(s, responseId === 0);
    }
    s.actions = { ...s.actions, ...definedActions(actions) };
    s.sentences.push(...s.splitter.push(content));
    if (complete) {
      const rest = s.splitter.end();
      if (rest !== "") s.sentences.push(rest);
      s.complete = true;
    }
    const w = s.wake;
    s.wake = undefined;
    w?.();
  }

  async #run(s: Speech, begin: boolean): Promise<void> {
    if (begin) await this.#beginGate;
    try {
      for (;;) {
        if (s.abort.signal.aborted) return;
        const text = s.sentences.shift();
        if (text !== undefined) {
          await this.#say(s, text);
          continue;
        }
        if (s.complete) break;
        await new Promise<void>((resolve) => (s.wake = resolve));
      }
      await this.#playout(s);
    } catch (err) {
      this.#cb.log("error", { source: "tts", provider: this.#o.tts.name, message: (err as Error).message });
    }
    if (s.abort.signal.aborted || this.#speech !== s) return;
    await this.#finished(s);
  }

  async #say(s: Speech, text: string): Promise<void> {
    const rate = this.#leg.outputRate;
    const asked = performance.now();
    this.#cb.log("tts.start", { provider: this.#o.tts.name, text });
    if (s.utterance < 0) s.utterance = this.#transcript.add("agent", "");
    const seg = { text, startMs: s.sentMs, endMs: s.sentMs };
    s.segments.push(seg);
    this.#transcript.set(s.utterance, s.segments.map((x) => x.text).join(" "));
    this.#transcriptChanged();
    let first = true;
    for await (const pcm of this.#o.tts.synthesize(text, rate, s.abort.signal)) {
      if (s.abort.signal.aborted) return;
      if (first) {
        first = false;
        const sent = performance.now();
        const ttsMs = sent - asked;
        this.#lat.tts.push(ttsMs);
        const m = s.mark;
        if (m && m.ttsMs === undefined) {
          m.ttsMs = ttsMs;
          const totalMs = sent - m.speechEndAt;
          this.#lat.e2e.push(totalMs);
          this.#o.onTurnTiming?.({ endpointMs: m.endpointMs, asrMs: m.asrMs, llmMs: m.llmMs ?? 0, ttsMs, totalMs, turnEndAt: m.turnEndAt, firstAudioAt: sent });
        }
      }
      this.#leg.sendAudio(pcm);
      s.sentMs += (pcm.length * 1000) / rate;
      seg.endMs = s.sentMs;
    }
  }

  /** Waits until the leg has played everything out (its `playout_idle`). */
  async #playout(s: Speech): Promise<void> {
    await playedOut(this.#leg, s.abort.signal);
  }

  async #finished(s: Speech): Promise<void> {
    this.#speech = undefined;
    if (s.utterance >= 0) this.#socket.updateOnly({ ...this.#input(), turntaking: "user_turn" });
    const a = s.actions;
    if (a.endCall) {
      this.#end(callEnd("agent_hangup", { phase: "in_call", message: "the agent ended the call (end_call) after speaking its last words", subReason: "end_call" }));
      return;
    }
    if (a.transferNumber && (a.transferMode ?? this.#settings.transferMode) === "warm") {
      if (await this.#warmTransfer(a.transferNumber, a)) return;
      this.#armInactivity();
      return;
    }
    if (a.transferNumber) {
      this.#cb.log("transfer", { to: a.transferNumber, showTransfereeAsCaller: a.showTransfereeAsCaller ?? false });
      const ok = await this.#cb.transfer(a.transferNumber).catch(() => false);
      if (ok || this.#stopped) return;
      this.#cb.log("transfer", { to: a.transferNumber, failed: true, note: "the agent keeps talking" });
    } else if (a.digitToPress) {
      this.#cb.log("dtmf", { direction: "out", digits: a.digitToPress, sent: this.#leg.sendDtmf !== undefined });
      this.#leg.sendDtmf?.(a.digitToPress);
    }
    if (s.utterance >= 0) this.#armReminder();
    this.#armInactivity();
  }

  /**
   * Dials, whispers to and bridges the target (the call session does the telephony). Returns true
   * once bridged or stopped; when the target failed, the LLM is told in the next
   * `response_required` (`transfer_cancelled`, a Parley extension) and the agent talks on.
   */
  async #warmTransfer(to: string, a: SpeechActions): Promise<boolean> {
    const whisper = a.transferWhisper?.trim();
    this.#cb.log("transfer", { to, mode: "warm", showTransfereeAsCaller: a.showTransfereeAsCaller ?? false, ...(whisper ? { whisper } : {}) });
    const r = await this.#cb
      .warmTransfer({
        destination: to,
        timeoutMs: a.transferTimeoutMs ?? DEFAULT_TRANSFER_TIMEOUT_MS,
        ...(a.showTransfereeAsCaller ? { showTransfereeAsCaller: true } : {}),
        ...(whisper ? { whisper: (leg: AudioLeg, signal: AbortSignal) => this.#whisper(leg, whisper, signal) } : {}),
      })
      .catch((err: Error): WarmTransferOutcome => ({ ok: false, why: err.message }));
    if (r.ok || this.#stopped) return true;
    const t = r.targetEnd;
    const sip = t?.sip && "code" in t.sip ? t.sip : undefined;
    const transferCancelled = { transfer_number: to, reason: t?.reason ?? "dial_failed", message: r.why, ...(sip ? { sip_code: sip.code, sip_phrase: sip.phrase } : {}) };
    this.#awaiting = { id: this.#socket.requestResponse({ ...this.#input(), transferCancelled }), mark: undefined };
    return false;
  }

  /** The handoff message, to the target's leg only; a synthesis failure is logged and the bridge goes ahead. */
  async #whisper(leg: AudioLeg, text: string, targetLeft: AbortSignal): Promise<void> {
    this.#cb.log("tts.start", { provider: this.#o.tts.name, text, leg: "transfer_target" });
    await speakTo(this.#o.tts, leg, text, AbortSignal.any([this.#whisperAbort.signal, targetLeft])).catch((err: Error) =>
      this.#cb.log("error", { source: "tts", provider: this.#o.tts.name, message: err.message, leg: "transfer_target" }),
    );
  }

  /** The user talked over the agent: stop, drop the leg's queue, keep only what was heard. */
  #interrupt(s: Speech, atMs: number): void {
    const playedMs = Math.max(0, s.sentMs - this.#leg.queuedMs);
    this.#cancel(s, "barge_in");
    if (s.utterance >= 0) {
      const heard: string[] = [];
      for (const seg of s.segments) {
        if (seg.endMs <= playedMs) heard.push(seg.text);
        else if (seg.startMs < playedMs) heard.push(leadingWords(seg.text, (playedMs - seg.startMs) / Math.max(1, seg.endMs - seg.startMs)));
      }
      this.#transcript.set(s.utterance, heard.join(" ").trim());
      this.#transcript.dropIfEmpty(s.utterance);
      this.#transcriptChanged();
    }
    this.#cb.log("vad.turn", { type: "agent_interrupted", atMs, playedMs: Math.round(playedMs), sentMs: Math.round(s.sentMs) });
    this.#socket.updateOnly({ ...this.#input(), turntaking: "user_turn" });
  }

  #cancel(s: Speech, why: string): void {
    s.abort.abort();
    this.#abandoned.add(s.key);
    if (this.#abandoned.size > 64) this.#abandoned.delete(this.#abandoned.values().next().value as string);
    this.#leg.clearAudio();
    if (this.#speech === s) this.#speech = undefined;
    const w = s.wake;
    s.wake = undefined;
    w?.();
    this.#cb.log("tts.start", { cancelled: s.key, why });
  }

  // ---- timers ----

  #armReminder(): void {
    clearTimeout(this.#reminderTimer);
    if (this.#reminders >= this.#settings.reminderMaxCount || this.#stopped) return;
    const ms = this.#settings.reminderTriggerMs;
    this.#cb.log("timer.set", { timer: "reminder", ms });
    this.#reminderTimer = setTimeout(() => {
      if (this.#stopped || this.#speech || this.#detector.turnOpen) return;
      this.#reminders += 1;
      this.#cb.log("timer.fired", { timer: "reminder", count: this.#reminders });
      const id = this.#socket.requestReminder(this.#input());
      this.#awaiting = { id, mark: undefined };
    }, ms);
  }

  #armInactivity(): void {
    clearTimeout(this.#inactivityTimer);
    if (this.#stopped) return;
    const ms = this.#settings.endCallAfterSilenceMs;
    this.#inactivityTimer = setTimeout(() => {
      if (this.#stopped) return;
      if (this.#speech || this.#detector.turnOpen) {
        this.#armInactivity();
        return;
      }
      this.#cb.log("timer.fired", { timer: "end_call_after_silence", ms });
      this.#end(callEnd("inactivity", { phase: "in_call", message: `the user stayed silent for ${ms} ms (end_call_after_silence_ms)` }));
    }, ms);
  }
}

function definedActions(a: SpeechActions): SpeechActions {
  return {
    ...(a.endCall ? { endCall: true } : {}),
    ...(a.transferNumber ? { transferNumber: a.transferNumber } : {}),
    ...(a.showTransfereeAsCaller ? { showTransfereeAsCaller: true } : {}),
    ...(a.digitToPress ? { digitToPress: a.digitToPress } : {}),
    ...(a.noInterruptionAllowed ? { noInterruptionAllowed: true } : {}),
    ...(a.transferMode ? { transferMode: a.transferMode } : {}),
    ...(a.transferWhisper ? { transferWhisper: a.transferWhisper } : {}),
    ...(a.transferTimeoutMs ? { transferTimeoutMs: a.transferTimeoutMs } : {}),
  };
}
