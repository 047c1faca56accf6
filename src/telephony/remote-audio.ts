import type { G711Law } from "../media/index.js";
import { mediaCodecs, parseSdp } from "../sip/sdp.js";

export type RemoteAudio =
  | { readonly ok: true; readonly audio: { remote: { address: string; port: number }; codec: G711Law; telephoneEventPt: number | null } }
  | { readonly ok: false; readonly problem: string };

/** Reads where and how to send RTP from the far end's SDP answer. */
export function remoteAudio(body: Buffer | string): RemoteAudio {
  const parsed = parseSdp(body);
  if (!parsed.ok) return { ok: false, problem: `the SDP answer is unreadable: ${parsed.error}` };
  const sdp = parsed.sdp;
  const m = sdp.media.find((x) => x.media === "audio" && x.port !== 0);
  if (!m) return { ok: false, problem: "the SDP answer accepts no audio stream" };
  const codecs = mediaCodecs(m);
  const g711 = codecs.find((c) => /^(PCMU|PCMA)$/i.test(c.name) && c.clockRate === 8000);
  if (!g711) return { ok: false, problem: `the SDP answer has no PCMU or PCMA (offered back: ${codecs.map((c) => c.name).join(", ") || "nothing"})` };
  const address = m.connection?.address ?? sdp.connection?.address;
  if (!address) return { ok: false, problem: "the SDP answer has no connection address" };
  const te = codecs.find((c) => c.name.toLowerCase() === "telephone-event");
  return { ok: true, audio: { remote: { address, port: m.port }, codec: g711.name.toUpperCase() as G711Law, telephoneEventPt: te?.pt ?? null } };
}
