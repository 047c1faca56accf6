// A Twilio Media Streams peer written from Twilio's published websocket-messages page (and
// spec/telephony.md §3), not from Parley's code: it plays the part of Twilio after
// <Connect><Stream url="wss://…/audio-websocket/{call_id}">.
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { muLawEncode } from "../../src/media/index.js";

const sid = (prefix: string): string => prefix + randomBytes(16).toString("hex");

export interface StreamStart {
  customParameters?: Record<string, string>;
  /** Override the media format (to test a wrong one). */
  mediaFormat?: Record<string, unknown>;
}

/** One fake Twilio stream: sequence numbers, chunk counters and timestamps as Twilio sends them. */
export class TwilioStreamClient {
  readonly streamSid = sid("MZ");
  readonly callSid = sid("CA");
  readonly accountSid = sid("AC");
  readonly received: Array<Record<string, unknown>> = [];
  /** Agent audio received, in μ-law bytes. */
  agentBytes = 0;
  marksEchoed: string[] = [];
  #seq = 0;
  #chunk = 0;
  #startedAt = 0;
  /** Agent audio "buffered at Twilio": marks are echoed once it has played. */
  #playoutEndsAt = 0;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) throw new Error("Parley sent a binary frame to a Media Stream");
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      this.received.push(msg);
      if (msg.event === "media") {
        const payload = Buffer.from(String((msg.media as { payload: string }).payload), "base64");
        this.agentBytes += payload.length;
        this.#playoutEndsAt = Math.max(this.#playoutEndsAt, Date.now()) + (payload.length / 8000) * 1000;
      } else if (msg.event === "mark") {
        const name = String((msg.mark as { name: string }).name);
        setTimeout(() => this.#send({ event: "mark", sequenceNumber: this.#nextSeq(), streamSid: this.streamSid, mark: { name } }, () => this.marksEchoed.push(name)), Math.max(0, this.#playoutEndsAt - Date.now()));
      } else if (msg.event === "clear") {
        this.#playoutEndsAt = Date.now();
      }
    });
  }

  #nextSeq(): string {
    return String(++this.#seq);
  }

  #send(msg: Record<string, unknown>, after?: () => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(msg));
    after?.();
  }

  connected(): void {
    this.#send({ event: "connected", protocol: "Call", version: "1.0.0" });
  }

  start(opts: StreamStart = {}): void {
    this.#startedAt = Date.now();
    this.#send({
      event: "start",
      sequenceNumber: this.#nextSeq(),
      start: {
        accountSid: this.accountSid,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks: ["inbound"],
        customParameters: opts.customParameters ?? {},
        mediaFormat: opts.mediaFormat ?? { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
      },
      streamSid: this.streamSid,
    });
  }

  /** One 20 ms media frame (160 μ-law bytes): the given 8 kHz samples, else a tone. */
  media(pcm8k?: Int16Array, freqHz = 440, amplitude = 8000): void {
    const bytes = Buffer.alloc(160, 0xff);
    const n0 = this.#chunk * 160;
    for (let i = 0; i < 160; i++) {
      if (pcm8k) {
        if (i < pcm8k.length) bytes[i] = muLawEncode(pcm8k[i] as number);
      } else bytes[i] = muLawEncode(Math.round(amplitude * Math.sin((2 * Math.PI * freqHz * (n0 + i)) / 8000)));
    }
    this.#chunk++;
    this.#send({
      event: "media",
      sequenceNumber: this.#nextSeq(),
      media: { track: "inbound", chunk: String(this.#chunk), timestamp: String(Date.now() - this.#startedAt), payload: bytes.toString("base64") },
      streamSid: this.streamSid,
    });
  }

  dtmf(digit: string): void {
    this.#send({ event: "dtmf", streamSid: this.streamSid, sequenceNumber: this.#nextSeq(), dtmf: { track: "inbound_track", digit } });
  }

  stop(): void {
    this.#send({ event: "stop", sequenceNumber: this.#nextSeq(), streamSid: this.streamSid, stop: { accountSid: this.accountSid, callSid: this.callSid } });
  }

  /** Sends `count` tone frames every 20 ms; resolves after the last. */
  async stream(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      this.media();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sends 8 kHz audio as real-time 20 ms frames, as Twilio does during a call. */
  async streamPcm(pcm8k: Int16Array): Promise<void> {
    for (let o = 0; o < pcm8k.length; o += 160) {
      this.media(pcm8k.subarray(o, o + 160));
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
