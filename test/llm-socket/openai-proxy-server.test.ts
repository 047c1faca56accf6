import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { start } from "../../examples/llm-servers/openai-proxy.js";
import { LlmSocket, type LlmSocketEvent } from "../../src/llm-socket/index.js";
import { EventLog, within } from "./fake-llm-server.js";

interface SeenRequest {
  readonly auth: string | undefined;
  readonly body: { model: string; stream: boolean; messages: { role: string; content: string }[]; tools?: unknown[] };
}

type Behaviour = (req: SeenRequest, res: ServerResponse, raw: IncomingMessage) => void;

/** A tiny OpenAI-compatible endpoint on loopback; each request is handled by the next behaviour. */
async function fakeOpenAi(behaviours: Behaviour[]) {
  const seen: SeenRequest[] = [];
  /** Per request: resolves true if the proxy hung up before the response was finished. */
  const cutOff: Promise<boolean>[] = [];
  const http = createServer((raw, res) => {
    if (raw.method !== "POST" || raw.url !== "/v1/chat/completions") {
      res.writeHead(404).end();
      return;
    }
    let text = "";
    raw.on("data", (d: Buffer) => (text += d.toString()));
    raw.on("end", () => {
      const req: SeenRequest = { auth: raw.headers.authorization, body: JSON.parse(text) as SeenRequest["body"] };
      const n = seen.push(req);
      cutOff[n - 1] = new Promise((resolve) => res.on("close", () => resolve(!res.writableFinished)));
      const behave = behaviours[n - 1] ?? behaviours[behaviours.length - 1];
      behave?.(req, res, raw);
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  return {
    baseUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/v1`,
    seen,
    cutOff,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

function sse(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
}

function delta(content: string): string {
  return `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
}

/** Streams deltas, splitting one event across two writes to exercise the SSE reader. */
const streamHello: Behaviour = (_req, res) => {
  sse(res);
  res.write(": keep-alive comment\n\n");
  res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: "assistant" } }] })}\n\n`);
  const first = delta("Hello from ");
  res.write(first.slice(0, 10));
  res.write(first.slice(10));
  res.write(delta("the fake "));
  res.write(delta("model."));
  res.end("data: [DONE]\n\n");
};

function connect(url: string) {
  const sock = new LlmSocket({ url, callId: "call_proxy", timing: { pingIntervalMs: 50 } });
  const log = new EventLog<LlmSocketEvent>();
  sock.on(log.push);
  return { sock, log };
}

const transcript = [
  { role: "agent" as const, content: "Hello! How can I help you today?" },
  { role: "user" as const, content: "Tell me something." },
];

test("openai-proxy streams the model's SSE deltas as response chunks", async () => {
  const llm = await fakeOpenAi([streamHello]);
  const server = await start({ port: 0, baseUrl: llm.baseUrl + "/", apiKey: "sk-test", model: "fake-1", systemPrompt: "Be brief.", beginMessage: "Hi!" });
  try {
    const { sock, log } = connect(server.url);
    await within(sock.start(), 3000, "open");
    await log.waitFor("response_chunk", (e) => e.responseId === 0 && e.complete);
    const id = sock.requestResponse({ transcript });
    await log.waitFor("response_chunk", (e) => e.responseId === id && e.complete);
    const chunks = log.of("response_chunk").filter((e) => e.responseId === id);
    assert.deepEqual(chunks.map((c) => c.content), ["Hello from ", "the fake ", "model.", ""]);
    assert.equal(chunks.at(-1)?.endCall, undefined);
    const req = llm.seen[0];
    assert.equal(req?.auth, "Bearer sk-test");
    assert.equal(req?.body.model, "fake-1");
    assert.equal(req?.body.stream, true);
    assert.equal(req?.body.tools, undefined);
    assert.deepEqual(req?.body.messages, [
      { role: "system", content: "Be brief." },
      { role: "assistant", content: "Hello! How can I help you today?" },
      { role: "user", content: "Tell me something." },
    ]);
    await sock.close();
  } finally {
    await server.close();
    await llm.close();
  }
});

test("openai-proxy: a newer request aborts the upstream stream of the older one", async () => {
  let releaseFirst: (() => void) | undefined;
  const firstStarted = new Promise<void>((resolve) => {
    releaseFirst = resolve;
  });
  const llm = await fakeOpenAi([
    (_req, res) => {
      sse(res);
      res.write(delta("old answer "));
      releaseFirst?.();
      // Never finishes: only the proxy's abort ends it.
    },
    streamHello,
  ]);
  const server = await start({ port: 0, baseUrl: llm.baseUrl, beginMessage: "" });
  try {
    const { sock, log } = connect(server.url);
    await within(sock.start(), 3000, "open");
    const first = sock.requestResponse({ transcript });
    await within(firstStarted, 3000, "the first upstream request");
    await log.waitFor("response_chunk", (e) => e.responseId === first);
    const second = sock.requestResponse({ transcript: [...transcript, { role: "user", content: "Actually, something else." }] });
    await log.waitFor("response_chunk", (e) => e.responseId === second && e.complete);
    assert.equal(log.of("response_chunk").filter((e) => e.responseId === second).map((e) => e.content).join(""), "Hello from the fake model.");
    // The first upstream request was cut off rather than left streaming.
    assert.equal(await within(llm.cutOff[0] ?? Promise.resolve(false), 3000, "the upstream abort"), true);
    assert.deepEqual(llm.seen.length, 2);
    await sock.close();
  } finally {
    await server.close();
    await llm.close();
  }
});

test("openai-proxy: an end_call tool call hangs up after the answer; reminders add a check-in note", async () => {
  const llm = await fakeOpenAi([
    (_req, res) => {
      sse(res);
      res.write(delta("Goodbye!"));
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "end_call", arguments: "" } }] } }] })}\n\n`);
      res.end("data: [DONE]\n\n");
    },
  ]);
  const server = await start({ port: 0, baseUrl: llm.baseUrl, endCallTool: true, beginMessage: "" });
  try {
    const { sock, log } = connect(server.url);
    await within(sock.start(), 3000, "open");
    const id = sock.requestReminder({ transcript });
    const last = await log.waitFor("response_chunk", (e) => e.responseId === id && e.complete);
    assert.equal(last.endCall, true);
    const body = llm.seen[0]?.body;
    assert.equal(body?.tools?.length, 1);
    assert.equal(body?.messages.at(-1)?.role, "system");
    assert.match(body?.messages.at(-1)?.content ?? "", /silent/);
    await sock.close();
  } finally {
    await server.close();
    await llm.close();
  }
});

test("openai-proxy: an upstream error becomes a spoken apology, not a dead call", async () => {
  const llm = await fakeOpenAi([(_req, res) => res.writeHead(500, { "content-type": "application/json" }).end('{"error":"overloaded"}')]);
  const lines: string[] = [];
  const server = await start({ port: 0, baseUrl: llm.baseUrl, beginMessage: "", log: (l) => lines.push(l) });
  try {
    const { sock, log } = connect(server.url);
    await within(sock.start(), 3000, "open");
    const id = sock.requestResponse({ transcript });
    const last = await log.waitFor("response_chunk", (e) => e.responseId === id && e.complete);
    assert.match(last.content, /Sorry/);
    assert.ok(lines.some((l) => /HTTP 500/.test(l)), lines.join("\n"));
    assert.equal(sock.end, undefined);
    await sock.close();
  } finally {
    await server.close();
    await llm.close();
  }
});
