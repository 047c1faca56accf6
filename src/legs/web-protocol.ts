// The retell-client-js-sdk 1.x audio-websocket protocol (spec/retell-api.md §9): binary frames are
// PCM16LE mono at the client's rate; text is "ping" / "pong"; everything else is a client bug.

/** Largest client frame accepted: one second of 48 kHz PCM16 (clients send 5-100 ms). */
export const MAX_WEB_FRAME_BYTES = 96_000;

/** One frame from a web client, already judged. */
export type WebClientFrame =
  | { readonly kind: "audio"; readonly pcm: Int16Array }
  | { readonly kind: "ping" }
  | { readonly kind: "pong" }
  /** JSON text: not part of 1.x, accepted and ignored so newer clients do not break the call. */
  | { readonly kind: "json"; readonly value: unknown }
  | { readonly kind: "invalid"; readonly why: string };

/** Judges one websocket message from a web client; never throws. */
export function parseWebFrame(data: Buffer, isBinary: boolean, maxBytes = MAX_WEB_FRAME_BYTES): WebClientFrame {
  if (data.length > maxBytes) return { kind: "invalid", why: `frame of ${data.length} bytes exceeds ${maxBytes}` };
  if (isBinary) {
    if (data.length % 2 !== 0) return { kind: "invalid", why: `binary frame of ${data.length} bytes is not whole PCM16 samples` };
    return { kind: "audio", pcm: pcm16le(data) };
  }
  const text = data.toString("utf8");
  if (text === "ping") return { kind: "ping" };
  if (text === "pong") return { kind: "pong" };
  try {
    return { kind: "json", value: JSON.parse(text) as unknown };
  } catch {
    return { kind: "invalid", why: `text frame is neither ping/pong nor JSON: ${JSON.stringify(text.slice(0, 60))}` };
  }
}

/** PCM16LE bytes to samples (copied: the websocket reuses nothing, but alignment is not guaranteed). */
export function pcm16le(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length >> 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** Samples to PCM16LE bytes for a binary frame. */
export function toPcm16le(pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i] as number, i * 2);
  return out;
}

/** A JSON event for the client (`update`, `metadata`…), serialised once. */
export function clientEventText(event: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(event);
}
