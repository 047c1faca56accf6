import type { AudioLeg, AudioLegEvent } from "../core/audio-leg.js";
import { Resampler } from "../media/resample.js";

/**
 * The most agent-side audio a bridged leg may have queued. Two far ends never share a clock: when
 * one sends slightly faster than the other plays, the queue grows without bound; dropping it once
 * it passes this keeps the bridge's added delay small at the cost of a rare skipped fragment.
 */
export const BRIDGE_MAX_QUEUE_MS = 300;

/** Sends one leg's audio and DTMF out of the other, resampling when their rates differ. */
function forwardTo(to: AudioLeg): (e: AudioLegEvent) => void {
  let resampler: Resampler | undefined;
  return (e) => {
    if (e.type === "audio") {
      let pcm = e.pcm;
      if (e.sampleRate !== to.outputRate) {
        if (!resampler || resampler.inRate !== e.sampleRate) resampler = new Resampler(e.sampleRate, to.outputRate);
        pcm = resampler.process(pcm);
      }
      if (to.queuedMs > BRIDGE_MAX_QUEUE_MS) to.clearAudio();
      to.sendAudio(pcm);
    } else if (e.type === "dtmf") {
      to.sendDtmf?.(e.digit);
    }
  };
}

/** Joins two legs both ways (audio and DTMF) until the returned function is called. */
export function bridgeLegs(a: AudioLeg, b: AudioLeg): () => void {
  const offA = a.on(forwardTo(b));
  const offB = b.on(forwardTo(a));
  return () => {
    offA();
    offB();
  };
}
