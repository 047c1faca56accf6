import type { AudioLeg } from "../core/audio-leg.js";
import type { TtsProvider } from "./tts-provider.js";

/**
 * Resolves once `leg` reports it played everything queued (`playout_idle`), or `signal` aborts.
 * A leg that never reports idle must not hang the agent: the queue length bounds the wait.
 */
export function playedOut(leg: AudioLeg, signal: AbortSignal): Promise<void> {
  const queued = leg.queuedMs;
  if (queued <= 0 || signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      off();
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, queued + 2_000);
    const off = leg.on((e) => {
      if (e.type === "playout_idle") done();
    });
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Speaks `text` on `leg` alone (a warm transfer's whisper to its target) and resolves once it was played out. */
export async function speakTo(tts: TtsProvider, leg: AudioLeg, text: string, signal: AbortSignal): Promise<void> {
  for await (const pcm of tts.synthesize(text, leg.outputRate, signal)) {
    if (signal.aborted) return;
    leg.sendAudio(pcm);
  }
  await playedOut(leg, signal);
}
