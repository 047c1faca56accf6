import type { AudioLeg } from "../core/index.js";
import type { CallSession } from "./call-session.js";

/** What runs on a connected leg (the conversation engine); returns its stop function. */
export type LegRunner = (session: CallSession, leg: AudioLeg) => () => void;

let runner: LegRunner | undefined;

/** Installs what runs on every connected leg (the composition root does this once). */
export function setLegRunner(r: LegRunner | undefined): void {
  runner = r;
}

/**
 * Binds a connected audio leg to its call: the leg's own endings (hang-up, broken stream, media
 * timeout) end the call, and the conversation runs on it until the call ends.
 */
export function attachLeg(session: CallSession, leg: AudioLeg): void {
  const off = leg.on((e) => {
    if (e.type === "ended") void session.end(e.end);
    else if (e.type === "first_audio") session.log("media.first_rtp", { leg: leg.kind });
    else if (e.type === "dtmf") session.log("dtmf", { digit: e.digit, direction: "in" });
  });
  const stop = runner?.(session, leg);
  session.onHangup(() => {
    off();
    stop?.();
  });
}
