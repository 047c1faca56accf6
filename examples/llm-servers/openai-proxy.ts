/**
 * A sample custom-LLM server that forwards each request to any OpenAI-compatible
 * `/v1/chat/completions` endpoint (OpenAI, vLLM, llama.cpp server, Ollama, LiteLLM, …) and streams
 * the model's deltas back as `response` chunks:
 *
 *   OPENAI_API_KEY=sk-… node --import tsx examples/llm-servers/openai-proxy.ts --port 8082
 *   node --import tsx examples/llm-servers/openai-proxy.ts --port 8082 --base-url http://127.0.0.1:11434/v1 --model llama3.2
 *
 * With `--end-call-tool on` the model is offered an `end_call` function; calling it hangs up after
 * the answer is spoken.
 */
import { announce, cliFlags, isMain } from "./cli.js";
import { serve, type Chunk, type Responder, type ResponseRequest, type RunningServer } from "./protocol-server.js";
import { sseData } from "./sse.js";

export interface OpenAiProxyOptions {
  readonly port: number;
  readonly host?: string;
  /** e.g. `https://api.openai.com/v1` (env OPENAI_BASE_URL); `/chat/completions` is appended. */
  readonly baseUrl?: string;
  /** env OPENAI_API_KEY; sent as a Bearer token when set. */
  readonly apiKey?: string;
  /** env OPENAI_MODEL, default gpt-4o-mini. */
  readonly model?: string;
  readonly systemPrompt?: string;
  readonly beginMessage?: string;
  /** Offer the model an `end_call` function. */
  readonly endCallTool?: boolean;
  readonly log?: (line: string) => void;
}

interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

interface CompletionChunk {
  readonly choices?: readonly {
    readonly delta?: {
      readonly content?: string | null;
      readonly tool_calls?: readonly { readonly function?: { readonly name?: string } }[];
    };
  }[];
}

const DEFAULT_PROMPT =
  "You are a friendly voice agent on a phone call. Answer in one or two short spoken sentences, without lists or markdown.";

const END_CALL_TOOL = {
  type: "function",
  function: {
    name: "end_call",
    description: "Hang up once your goodbye has been said. Call it when the caller wants to end the conversation.",
    parameters: { type: "object", properties: {}, required: [] },
  },
} as const;

/** The chat history the model sees: the system prompt, then the call's transcript. */
export function chatMessages(req: ResponseRequest, systemPrompt: string): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: "system", content: systemPrompt }];
  for (const u of req.transcript) {
    if (u.content.trim() === "") continue;
    messages.push({ role: u.role === "agent" ? "assistant" : "user", content: u.content });
  }
  if (req.kind === "reminder_required") {
    messages.push({ role: "system", content: "The caller has been silent for a while. Check in with them briefly." });
  }
  return messages;
}

/** A responder that streams completions from an OpenAI-compatible endpoint. */
export function openAiResponder(opts: Omit<OpenAiProxyOptions, "port" | "host" | "log">): Responder {
  const baseUrl = (opts.baseUrl ?? process.env["OPENAI_BASE_URL"] ?? "https://api.openai.com/v1").replace(/\/+$/, "");
  const apiKey = opts.apiKey ?? process.env["OPENAI_API_KEY"];
  const model = opts.model ?? process.env["OPENAI_MODEL"] ?? "gpt-4o-mini";
  const systemPrompt = opts.systemPrompt ?? process.env["SYSTEM_PROMPT"] ?? DEFAULT_PROMPT;
  return {
    begin: () => opts.beginMessage ?? process.env["BEGIN_MESSAGE"] ?? "Hello! How can I help you today?",
    async respond(req, emit: (c: Chunk) => void, signal) {
      const res = await fetch(`${baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({
          model,
          stream: true,
          messages: chatMessages(req, systemPrompt),
          ...(opts.endCallTool ? { tools: [END_CALL_TOOL] } : {}),
        }),
        signal,
      });
      if (!res.ok || !res.body) {
        const detail = (await res.text().catch(() => "")).slice(0, 200);
        throw new Error(`chat/completions answered HTTP ${res.status}${detail ? `: ${detail}` : ""}`);
      }
      let endCall = false;
      for await (const data of sseData(res.body as unknown as AsyncIterable<Uint8Array>)) {
        if (data.trim() === "[DONE]") break;
        let chunk: CompletionChunk;
        try {
          chunk = JSON.parse(data) as CompletionChunk;
        } catch {
          continue;
        }
        const delta = chunk.choices?.[0]?.delta;
        if (delta?.tool_calls?.some((t) => t.function?.name === "end_call")) endCall = true;
        if (delta?.content) emit({ content: delta.content, complete: false });
      }
      emit({ content: "", complete: true, ...(endCall ? { endCall: true } : {}) });
    },
  };
}

/** Starts the proxy server; `url` is the agent's `llm_websocket_url`. */
export function start(opts: OpenAiProxyOptions): Promise<RunningServer> {
  return serve(openAiResponder(opts), { port: opts.port, ...(opts.host ? { host: opts.host } : {}), ...(opts.log ? { log: opts.log } : {}) });
}

if (isMain(import.meta.url)) {
  const flags = cliFlags(["base-url", "api-key", "model", "system-prompt", "begin-message", "end-call-tool"] as const);
  const server = await start({
    port: flags.port,
    host: flags.host,
    ...(flags["base-url"] ? { baseUrl: flags["base-url"] } : {}),
    ...(flags["api-key"] ? { apiKey: flags["api-key"] } : {}),
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags["system-prompt"] ? { systemPrompt: flags["system-prompt"] } : {}),
    ...(flags["begin-message"] !== undefined ? { beginMessage: flags["begin-message"] } : {}),
    endCallTool: flags["end-call-tool"] === "on",
    log: (line) => console.log(line),
  });
  announce("OpenAI-compatible proxy LLM server", server);
}
