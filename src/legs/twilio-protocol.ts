// Twilio bidirectional Media Streams messages (spec/telephony.md §3), parsed field by field.
// Parsing never throws: a frame is either a typed message or an error naming what was wrong.

/** What Twilio sends over the stream. */
export type TwilioInbound =
  | { readonly event: "connected"; readonly protocol?: string; readonly version?: string }
  | {
      readonly event: "start";
      readonly streamSid: string;
      readonly accountSid: string;
      readonly callSid: string;
      readonly tracks: readonly string[];
      readonly customParameters: Readonly<Record<string, string>>;
    }
  | { readonly event: "media"; readonly streamSid: string; readonly track: string; readonly chunk?: number; readonly timestamp?: number; readonly payload: Buffer }
  | { readonly event: "dtmf"; readonly streamSid: string; readonly digit: string }
  | { readonly event: "mark"; readonly streamSid: string; readonly name: string }
  | { readonly event: "stop"; readonly streamSid: string; readonly callSid?: string }
  /** An event this version does not know: ignored so that Twilio may add new ones. */
  | { readonly event: "unknown"; readonly name: string };

export type TwilioParse = { readonly ok: true; readonly msg: TwilioInbound } | { readonly ok: false; readonly error: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DTMF = /^[0-9*#A-Da-d]$/;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string): string | undefined {
  const v = o[key];
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** Twilio sends counters as decimal strings; numbers are accepted too. */
function counter(o: Obj, key: string): number | undefined {
  const v = o[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

const fail = (error: string): TwilioParse => ({ ok: false, error });

/** Parses one text frame of a Twilio media stream. */
export function parseTwilioFrame(text: string): TwilioParse {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return fail(`frame is not JSON: ${JSON.stringify(text.slice(0, 60))}`);
  }
  if (!isObj(v)) return fail("frame is not a JSON object");
  const event = str(v, "event");
  if (!event) return fail("frame has no event");
  if (event === "connected") {
    const protocol = str(v, "protocol");
    const version = str(v, "version");
    return { ok: true, msg: { event, ...(protocol ? { protocol } : {}), ...(version ? { version } : {}) } };
  }
  const top = str(v, "streamSid");
  const body = v[event];
  if (event === "start") {
    if (!isObj(body)) return fail("start has no start object");
    const streamSid = top ?? str(body, "streamSid");
    const accountSid = str(body, "accountSid");
    const callSid = str(body, "callSid");
    if (!streamSid) return fail("start has no streamSid");
    if (!callSid) return fail("start has no start.callSid");
    if (!accountSid) return fail("start has no start.accountSid");
    const fmt = body.mediaFormat;
    if (!isObj(fmt)) return fail("start has no start.mediaFormat");
    if (fmt.encoding !== "audio/x-mulaw" || Number(fmt.sampleRate) !== 8000 || Number(fmt.channels) !== 1) {
      return fail(`unsupported media format ${JSON.stringify(fmt)} (Parley takes audio/x-mulaw, 8000 Hz, 1 channel)`);
    }
    const tracks = Array.isArray(body.tracks) ? body.tracks.filter((t): t is string => typeof t === "string") : ["inbound"];
    const params: Record<string, string> = {};
    if (body.customParameters !== undefined) {
      if (!isObj(body.customParameters)) return fail("start.customParameters is not an object");
      for (const [k, val] of Object.entries(body.customParameters)) if (typeof val === "string") params[k] = val;
    }
    return { ok: true, msg: { event, streamSid, accountSid, callSid, tracks, customParameters: params } };
  }
  if (!top) return fail(`${event} has no streamSid`);
  switch (event) {
    case "media": {
      if (!isObj(body)) return fail("media has no media object");
      const payload = body.payload;
      if (typeof payload !== "string" || payload.length % 4 !== 0 || !BASE64.test(payload)) return fail("media.payload is not base64");
      const track = str(body, "track") ?? "inbound";
      const chunk = counter(body, "chunk");
      const timestamp = counter(body, "timestamp");
      return {
        ok: true,
        msg: { event, streamSid: top, track, payload: Buffer.from(payload, "base64"), ...(chunk !== undefined ? { chunk } : {}), ...(timestamp !== undefined ? { timestamp } : {}) },
      };
    }
    case "dtmf": {
      const digit = isObj(body) ? str(body, "digit") : undefined;
      if (!digit || !DTMF.test(digit)) return fail("dtmf.digit is missing or not a DTMF digit");
      return { ok: true, msg: { event, streamSid: top, digit: digit.toUpperCase() } };
    }
    case "mark": {
      const name = isObj(body) ? str(body, "name") : undefined;
      if (!name) return fail("mark.name is missing");
      return { ok: true, msg: { event, streamSid: top, name } };
    }
    case "stop": {
      const callSid = isObj(body) ? str(body, "callSid") : undefined;
      return { ok: true, msg: { event, streamSid: top, ...(callSid ? { callSid } : {}) } };
    }
    default:
      return { ok: true, msg: { event: "unknown", name: event } };
  }
}

/** Outbound frames (you → Twilio). */
export function twilioMedia(streamSid: string, mulaw: Uint8Array): string {
  return JSON.stringify({ event: "media", streamSid, media: { payload: Buffer.from(mulaw.buffer, mulaw.byteOffset, mulaw.byteLength).toString("base64") } });
}

export function twilioMark(streamSid: string, name: string): string {
  return JSON.stringify({ event: "mark", streamSid, mark: { name } });
}

export function twilioClear(streamSid: string): string {
  return JSON.stringify({ event: "clear", streamSid });
}
