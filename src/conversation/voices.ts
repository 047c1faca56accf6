/** A voice a configured TTS engine can speak with (Retell's voice object). */
export interface Voice {
  readonly voice_id: string;
  readonly voice_name: string;
  readonly provider: "espeak-ng" | "openai";
  readonly gender: "male" | "female";
  readonly accent: string;
  readonly age: "young" | "middle aged" | "old";
  /** Engine-specific voice name passed to the synthesiser. */
  readonly engine_voice: string;
}

/** The embedded engine's voices (espeak-ng from Debian), always available. */
export const EMBEDDED_VOICES: readonly Voice[] = [
  { voice_id: "espeak-en-us-male", voice_name: "Espeak US (male)", provider: "espeak-ng", gender: "male", accent: "American", age: "middle aged", engine_voice: "en-us" },
  { voice_id: "espeak-en-us-female", voice_name: "Espeak US (female)", provider: "espeak-ng", gender: "female", accent: "American", age: "middle aged", engine_voice: "en-us+f3" },
  { voice_id: "espeak-en-gb-male", voice_name: "Espeak British (male)", provider: "espeak-ng", gender: "male", accent: "British", age: "middle aged", engine_voice: "en-gb" },
  { voice_id: "espeak-en-gb-female", voice_name: "Espeak British (female)", provider: "espeak-ng", gender: "female", accent: "British", age: "middle aged", engine_voice: "en-gb+f3" },
];

/**
 * Voices of an OpenAI-compatible speech endpoint (`POST /v1/audio/speech`); usable when the agent
 * sets `parley_tts.base_url`.
 */
export const OPENAI_VOICES: readonly Voice[] = [
  { voice_id: "openai-alloy", voice_name: "Alloy (OpenAI-compatible)", provider: "openai", gender: "female", accent: "American", age: "young", engine_voice: "alloy" },
  { voice_id: "openai-echo", voice_name: "Echo (OpenAI-compatible)", provider: "openai", gender: "male", accent: "American", age: "middle aged", engine_voice: "echo" },
  { voice_id: "openai-nova", voice_name: "Nova (OpenAI-compatible)", provider: "openai", gender: "female", accent: "American", age: "young", engine_voice: "nova" },
  { voice_id: "openai-onyx", voice_name: "Onyx (OpenAI-compatible)", provider: "openai", gender: "male", accent: "American", age: "middle aged", engine_voice: "onyx" },
];

/** The voices of every engine Parley can drive (network voices need the agent's endpoint). */
export function listVoices(): readonly Voice[] {
  return [...EMBEDDED_VOICES, ...OPENAI_VOICES];
}

/** A voice by id. */
export function findVoice(id: string): Voice | undefined {
  return listVoices().find((v) => v.voice_id === id);
}
