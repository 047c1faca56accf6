import assert from "node:assert/strict";
import { test } from "node:test";
import { start as startRuleBased } from "../../examples/llm-servers/rule-based.js";
import { createConversationRunner, type ConversationRun } from "../../src/conversation/runner.js";
import type { TranscriptUpdate } from "../../src/conversation/conversation.js";
import type { CallEnd } from "../../src/core/call-end.js";
import { fakeLlmServer, within } from "../llm-socket/fake-llm-server.js";
import { FakeLeg, haveTools, speech8k } from "./fake-leg.js";
import { FAST_TIMING, harness, ScriptedAsr } from "./harness.js";

const skip = !haveTools("espeak-ng") && "needs espeak-ng";

test("agent_interrupt speaks at once, replacing what the agent was saying", { skip, timeout: 15_000 }, async () => {
  const srv = await fakeLlmServer((c) => {
    c.send({ response_type: "response", response_id: 0, content: "This is a rather long greeting that will be cut short by an interrupt.", content_complete: true });
  });
  const h = await harness({ url: srv.url, asr: new ScriptedAsr("x") });
  try {
    const conn = await srv.conn(1);
    await h.leg.until(() => h.leg.sent.length > 0, 5000, "the greeting to start");
    conn.send({ response_type: "agent_interrupt", interrupt_id: 1, content: "Sorry to interrupt.", content_complete: true });
    await h.leg.until(() => h.leg.clears > 0, 3000, "the greeting to be cleared");
    await h.leg.until(() => /Agent: Sorry to interrupt\.$/.test(h.conv.results().transcript) && h.leg.queuedMs === 0, 5000, "the interrupt to be spoken");
  } finally {
    await h.stop();
    await srv.close();
  }
});

test("tool calls are woven into transcript_with_tool_calls, metadata goes to the client, update_agent changes the reminder timing", { skip, timeout: 15_000 }, async () => {
  const srv = await fakeLlmServer((c) => {
    c.send({ response_type: "tool_call_invocation", tool_call_id: "t1", name: "lookup", arguments: "{\"q\":1}" });
    c.send({ response_type: "tool_call_result", tool_call_id: "t1", content: "found" });
    c.send({ response_type: "metadata", metadata: { step: 2 } });
    c.send({ response_type: "update_agent", agent_config: { reminder_trigger_ms: 200 } });
    c.send({ response_type: "response", response_id: 0, content: "Found it.", content_complete: true });
    c.ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as { interaction_type: string; response_id?: number };
      if (f.interaction_type === "reminder_required") c.send({ response_type: "response", response_id: f.response_id, content: "Hello?", content_complete: true });
    });
  });
  const h = await harness({ url: srv.url, asr: new ScriptedAsr("x"), agent: { reminder_trigger_ms: 60_000 } });
  try {
    const conn = await srv.conn(1);
    const reminder = await conn.next((f) => f["interaction_type"] === "reminder_required", 5000);
    assert.equal(typeof reminder["response_id"], "number");
    const items = h.conv.results().transcriptWithToolCalls.map((i) => i.role);
    assert.deepEqual(items.slice(0, 3), ["tool_call_invocation", "tool_call_result", "agent"]);
    assert.ok(h.leg.clientEvents.some((e) => e["event_type"] === "metadata" && JSON.stringify(e["metadata"]) === '{"step":2}'));
  } finally {
    await h.stop();
    await srv.close();
  }
});

test("createConversationRunner with the rule-based sample server: greeting, echo of the user's turn, goodbye → agent_hangup", { skip, timeout: 20_000 }, async () => {
  const srv = await startRuleBased({ port: 0, beginMessage: "Hello." });
  const leg = new FakeLeg();
  const updates: TranscriptUpdate[] = [];
  const asr = new ScriptedAsr("goodbye");
  const runner = createConversationRunner({ llmTiming: FAST_TIMING, asr: () => asr });
  let run: ConversationRun | undefined;
  try {
    leg.start();
    const ended = new Promise<CallEnd>((resolve) => {
      run = runner({ callId: "call_rb", agentConfig: { response_engine: { type: "custom-llm", llm_websocket_url: srv.url }, voice_id: "espeak-en-gb-female" }, leg, end: resolve, log: () => {}, transfer: async () => false, warmTransfer: async () => ({ ok: false, why: "not in this test" }), onTranscript: (u) => updates.push(u) });
    });
    await leg.until(() => leg.sent.length > 0 && leg.queuedMs === 0, 8000, "the greeting");
    await leg.play(speech8k("goodbye"));
    const end = await within(ended, 10_000, "the call to end");
    assert.equal(end.reason, "agent_hangup");
    const out = run?.results();
    assert.equal(out?.transcript, "Agent: Hello.\nUser: goodbye\nAgent: Goodbye, and thanks for calling!");
    assert.equal(out?.latency.e2e.num, 1);
    assert.ok(updates.length >= 3, "transcript updates were reported");
  } finally {
    leg.stop();
    await run?.stop();
    await srv.close();
  }
});

test("begin_message_delay_ms holds the begin message back", { skip, timeout: 15_000 }, async () => {
  const srv = await fakeLlmServer((c) => c.send({ response_type: "response", response_id: 0, content: "Hi.", content_complete: true }));
  const t0 = performance.now();
  const h = await harness({ url: srv.url, asr: new ScriptedAsr("x"), agent: { begin_message_delay_ms: 700 } });
  try {
    await srv.conn(1);
    await h.leg.until(() => h.leg.sent.length > 0, 5000, "the begin message");
    const after = (h.leg.sent[0]?.at ?? 0) - t0;
    assert.ok(after >= 700, `first audio after ${after.toFixed(0)} ms`);
  } finally {
    await h.stop();
    await srv.close();
  }
});
