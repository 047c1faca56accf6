import type { ConversationAgentConfig } from "./agent-config.js";
import type { AsrProvider } from "./asr-provider.js";
import { DeepgramAsr } from "./deepgram-asr.js";
import { EspeakTts } from "./espeak-tts.js";
import { FallbackAsr } from "./fallback-asr.js";
import { grammarFromPhrases } from "./jsgf.js";
import { OpenAiAsr } from "./openai-asr.js";
import { OpenAiTts } from "./openai-tts.js";
import { PocketsphinxAsr } from "./pocketsphinx-asr.js";
import type { TtsProvider } from "./tts-provider.js";
import { findVoice, EMBEDDED_VOICES } from "./voices.js";

/** The recogniser an agent asks for (`parley_asr`); pocketsphinx when it names none. */
export function asrFor(agent: ConversationAgentConfig): AsrProvider {
  const primary = primaryAsr(agent);
  return agent.parley_asr?.fallback === "pocketsphinx" && primary.name !== "pocketsphinx" ? new FallbackAsr(primary, pocketsphinxFor(agent)) : primary;
}

function pocketsphinxFor(agent: ConversationAgentConfig): PocketsphinxAsr {
  const c = agent.parley_asr;
  const phrases = c?.phrases ?? agent.boosted_keywords;
  const jsgf = c?.jsgf ?? (phrases && phrases.length > 0 ? grammarFromPhrases(phrases) : undefined);
  return new PocketsphinxAsr(jsgf !== undefined ? { jsgf } : {});
}

function primaryAsr(agent: ConversationAgentConfig): AsrProvider {
  const c = agent.parley_asr;
  const need = (what: string): string => {
    const v = c?.base_url;
    if (!v) throw new RangeError(`parley_asr.provider ${what} needs base_url`);
    return v;
  };
  switch (c?.provider) {
    case "openai":
      return new OpenAiAsr({ baseUrl: need("openai"), ...(c.api_key ? { apiKey: c.api_key } : {}), ...(c.model ? { model: c.model } : {}), ...(c.language ? { language: c.language } : {}) });
    case "deepgram":
      return new DeepgramAsr({ baseUrl: need("deepgram"), ...(c.api_key ? { apiKey: c.api_key } : {}), ...(c.model ? { model: c.model } : {}), ...(c.language ? { language: c.language } : {}) });
    case "pocketsphinx":
    case undefined:
      return pocketsphinxFor(agent);
  }
}

/** The synthesiser for the agent's `voice_id` (voices.ts); the first embedded voice when unknown. */
export function ttsFor(agent: ConversationAgentConfig): TtsProvider {
  const voice = findVoice(agent.voice_id ?? "") ?? (EMBEDDED_VOICES[0] as (typeof EMBEDDED_VOICES)[number]);
  const speed = agent.voice_speed ?? 1;
  if (voice.provider === "openai") {
    const t = agent.parley_tts;
    if (!t) throw new RangeError(`voice ${voice.voice_id} needs parley_tts.base_url on the agent`);
    return new OpenAiTts({ baseUrl: t.base_url, voice: voice.engine_voice, speed, ...(t.api_key ? { apiKey: t.api_key } : {}), ...(t.model ? { model: t.model } : {}) });
  }
  return new EspeakTts({ voice: voice.engine_voice, wordsPerMinute: Math.round(175 * speed) });
}
