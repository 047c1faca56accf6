import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { WebSocketServer, type WebSocket } from "ws";
import type { AsrEvent } from "../../src/conversation/asr-provider.js";
import { DeepgramAsr } from "../../src/conversation/deepgram-asr.js";
import { FallbackAsr } from "../../src/conversation/fallback-asr.js";
import { ScriptedAsr } from "./harness.js";
import { OpenAiAsr } from "../../src/conversation/openai-asr.js";
import { OpenAiTts } from "../../src/conversation/openai-tts.js";
import { asrFor, ttsFor } from "../../src/conversation/providers.js";
import { rms } from "../../src/media/energy.js";
import { readWav } from "../../src/media/wav.js";

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

function tone(n: number, rate: number, amp = 8000): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * 440 * i) / rate)));
}

test("OpenAI-compatible transcription: protocol test (written from published docs)", async () => {
  const seen: { path: string; auth: string | undefined; fields: Record<string, string>; wav: Buffer | undefined }[] = [];
  let failNext = 1;
  const http = createServer(async (req, res) => {
    const raw = await body(req);
    const boundary = /boundary=(.+)$/.exec(req.headers["content-type"] ?? "")?.[1] ?? "";
    const fields: Record<string, string> = {};
    let wav: Buffer | undefined;
    for (const part of raw.toString("latin1").split(`--${boundary}`)) {
      const name = /name="([^"]+)"/.exec(part)?.[1];
      const at = part.indexOf("\r\n\r\n");
      if (!name || at < 0) continue;
      const value = part.slice(at + 4, part.length - 2);
      if (name === "file") wav = Buffer.from(value, "latin1");
      else fields[name] = value;
    }
    seen.push({ path: req.url ?? "", auth: req.headers.authorization, fields, wav });
    if (failNext-- > 0) return res.writeHead(503).end("busy");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ text: " hello world ", words: [{ word: "hello", start: 0.1, end: 0.4 }, { word: "world", start: 0.5, end: 0.9 }] }));
  });
  const host = await listen(http);
  const asr = new OpenAiAsr({ baseUrl: `http://${host}/`, apiKey: "k1", model: "whisper-large" });
  const events: AsrEvent[] = [];
  asr.on((e) => events.push(e));
  try {
    await asr.start();
    for (let i = 0; i < 50; i++) asr.push(tone(160, 8000), 8000);
    const turn = await asr.flush();
    assert.equal(turn.text, "hello world");
    assert.deepEqual(turn.words, [{ word: "hello", startMs: 100, endMs: 400 }, { word: "world", startMs: 500, endMs: 900 }]);
    assert.equal(seen.length, 2, "one retry after the 503");
    assert.equal(events.filter((e) => e.type === "error" && !e.fatal).length, 1);
    const r = seen[1];
    assert.equal(r?.path, "/v1/audio/transcriptions");
    assert.equal(r?.auth, "Bearer k1");
    assert.equal(r?.fields["model"], "whisper-large");
    assert.equal(r?.fields["response_format"], "verbose_json");
    assert.equal(r?.fields["timestamp_granularities[]"], "word");
    const w = readWav(r?.wav ?? Buffer.alloc(0));
    assert.ok(w.ok && w.wav.sampleRate === 8000 && w.wav.samples.length === 8000, "one second of 8 kHz WAV");
    failNext = 2;
    asr.push(tone(160, 8000), 8000);
    assert.equal((await asr.flush()).text, "");
    assert.ok(events.some((e) => e.type === "error" && e.fatal), "two failures in a row are fatal");
  } finally {
    await asr.close();
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  }
});

test("OpenAI-compatible speech: protocol test (written from published docs)", async () => {
  let request: Record<string, unknown> = {};
  const http = createServer(async (req, res) => {
    request = { path: req.url, ...(JSON.parse((await body(req)).toString()) as Record<string, unknown>) };
    const pcm = tone(24000, 24000);
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const buf = Buffer.from(pcm.buffer);
    res.write(buf.subarray(0, 4801)); // an odd split: a sample straddles two chunks
    res.end(buf.subarray(4801));
  });
  const host = await listen(http);
  const tts = new OpenAiTts({ baseUrl: `http://${host}`, voice: "alloy" });
  try {
    const chunks: Int16Array[] = [];
    for await (const c of tts.synthesize("Hello there.", 8000, new AbortController().signal)) chunks.push(c);
    const n = chunks.reduce((s, c) => s + c.length, 0);
    assert.ok(Math.abs(n - 8000) < 100, `one second at 8 kHz, got ${n}`);
    const all = new Int16Array(n);
    let o = 0;
    for (const c of chunks) (all.set(c, o), (o += c.length));
    assert.ok(Math.abs(rms(all.subarray(200, 7800)) - 8000 / Math.SQRT2) < 300, "the tone survives resampling");
    assert.deepEqual(request, { path: "/v1/audio/speech", model: "tts-1", input: "Hello there.", voice: "alloy", response_format: "pcm", speed: 1 });
  } finally {
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  }
});

test("Deepgram-style streaming ASR: protocol test (written from published docs)", async () => {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const got: { url: string; auth: string | undefined; bytes: number; texts: string[] } = { url: "", auth: undefined, bytes: 0, texts: [] };
  let conns = 0;
  let sentResults = false;
  wss.on("connection", (ws: WebSocket, req) => {
    conns += 1;
    got.url = req.url ?? "";
    got.auth = req.headers.authorization;
    if (conns === 2) {
      ws.close(1011, "second connection dies too");
      return;
    }
    ws.on("message", (d, isBinary) => {
      if (isBinary) {
        got.bytes += (d as Buffer).length;
        if (got.bytes >= 3200 && !sentResults) {
          sentResults = true;
          ws.send(JSON.stringify({ type: "Results", is_final: false, channel: { alternatives: [{ transcript: "book a" }] } }));
          ws.send(JSON.stringify({ type: "Results", is_final: true, speech_final: false, channel: { alternatives: [{ transcript: "book a table", words: [{ word: "book", start: 0.1, end: 0.3, punctuated_word: "Book" }] }] } }));
        }
        return;
      }
      const m = JSON.parse(d.toString()) as { type: string };
      got.texts.push(m.type);
      if (m.type === "Finalize") {
        ws.send("not json at all");
        ws.send(JSON.stringify({ type: "Results", is_final: true, speech_final: true, from_finalize: true, channel: { alternatives: [{ transcript: "for two" }] } }));
        setTimeout(() => ws.terminate(), 10);
      }
    });
  });
  const host = await listen(http);
  const asr = new DeepgramAsr({ baseUrl: `ws://${host}`, apiKey: "dg", model: "nova-3" });
  const events: AsrEvent[] = [];
  asr.on((e) => events.push(e));
  try {
    await asr.start();
    // The first frame opens the socket; frames pushed during the handshake are sent once it is open.
    for (let i = 0; i < 10; i++) asr.push(new Int16Array(160), 8000);
    const turn = await asr.flush();
    assert.equal(turn.text, "book a table for two");
    assert.deepEqual(turn.words, [{ word: "Book", startMs: 100, endMs: 300 }]);
    assert.ok(events.some((e) => e.type === "partial" && e.text === "book a"));
    assert.ok(events.some((e) => e.type === "error" && /bad message/.test(e.message) && !e.fatal), "a non-JSON message is reported, not a crash");
    assert.match(got.url, /^\/v1\/listen\?encoding=linear16&sample_rate=8000&channels=1&interim_results=true&punctuate=true&model=nova-3$/);
    assert.equal(got.auth, "Token dg");
    assert.deepEqual(got.texts, ["Finalize"]);
    // The server dropped the socket after the finalize; the reconnect is refused too → fatal.
    const fatal = await new Promise<AsrEvent>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no fatal error")), 3000);
      const check = (): void => {
        const e = events.find((x) => x.type === "error" && x.fatal);
        if (e) (clearTimeout(t), resolve(e));
      };
      asr.on(check);
      check();
    });
    assert.match((fatal as { message: string }).message, /after a reconnect/);
  } finally {
    await asr.close();
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  }
});

test("an OpenAI-compatible recogniser that keeps failing falls back to the embedded one; only both failing is fatal", async () => {
  const http = createServer(async (req, res) => {
    await body(req);
    res.writeHead(500).end("down");
  });
  const host = await listen(http);
  const fallback = new (class extends ScriptedAsr {
    die(): void {
      this.emitError("gone");
    }
  })("hello from the fallback");
  const asr = new FallbackAsr(new OpenAiAsr({ baseUrl: `http://${host}` }), fallback);
  const events: AsrEvent[] = [];
  asr.on((e) => events.push(e));
  try {
    await asr.start();
    asr.push(tone(1600, 8000), 8000);
    const turn = await asr.flush();
    assert.equal(turn.text, "hello from the fallback");
    assert.ok(asr.fellBack);
    assert.ok(events.some((e) => e.type === "error" && /falling back to scripted/.test(e.message) && !e.fatal));
    assert.ok(!events.some((e) => e.type === "error" && e.fatal));
    fallback.die();
    assert.ok(events.some((e) => e.type === "error" && e.fatal), "both gone → fatal");
  } finally {
    await asr.close();
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  }
});

test("provider choice follows the agent: parley_asr and voice_id", () => {
  assert.equal(asrFor({}).name, "pocketsphinx");
  assert.equal(asrFor({ parley_asr: { provider: "openai", base_url: "http://127.0.0.1:1" } }).name, "openai-transcriptions");
  assert.equal(asrFor({ parley_asr: { provider: "deepgram", base_url: "ws://127.0.0.1:1" } }).name, "deepgram-stream");
  assert.throws(() => asrFor({ parley_asr: { provider: "openai" } }), /base_url/);
  assert.equal(asrFor({ parley_asr: { provider: "openai", base_url: "http://127.0.0.1:1", fallback: "pocketsphinx" } }).name, "openai-transcriptions+pocketsphinx");
  assert.equal(ttsFor({ voice_id: "espeak-en-gb-female" }).name, "espeak-ng");
  assert.equal(ttsFor({ voice_id: "openai-alloy", parley_tts: { base_url: "http://127.0.0.1:1" } }).name, "openai-speech");
  assert.throws(() => ttsFor({ voice_id: "openai-alloy" }), /parley_tts/);
});
