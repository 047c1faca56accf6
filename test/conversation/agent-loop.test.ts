import assert from "node:assert/strict";
import { test } from "node:test";
import { rms } from "../../src/media/energy.js";
import { fakeLlmServer, within, type ServerConn } from "../llm-socket/fake-llm-server.js";
import { haveTools, speech8k } from "./fake-leg.js";
import { harness, ScriptedAsr } from "./harness.js";

const skip = !haveTools("espeak-ng") && "needs espeak-ng";

type Frame = { interaction_type: string; response_id?: number; transcript?: { role: string; content: string }[]; turntaking?: string };

/** A server that sends `begin` as response 0 and answers each request with `answer(frame)`. */
async function server(begin: string, answer: (f: Frame, c: ServerConn) => void = () => {}) {
  return fakeLlmServer((c) => {
    c.send({ response_type: "response", response_id: 0, content: begin, content_complete: true });
    c.ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as Frame;
      if (f.interaction_type === "response_required" || f.interaction_type === "reminder_required") answer(f, c);
    });
  });
}

test("end_call: the agent finishes speaking, then ends the call with agent_hangup", { skip, timeout: 20_000 }, async () => {
  const srv = await server("", (f, c) => c.send({ response_type: "response", response_id: f.response_id, content: "Goodbye, and thanks for calling.", content_complete: true, end_call: true }));
  const h = await harness({ url: srv.url, asr: new ScriptedAsr("goodbye") });
  try {
    await srv.conn(1);
    await h.leg.play(speech8k("goodbye"));
    const end = await h.ended(10_000);
    assert.equal(end.reason, "agent_hangup");
    assert.equal(end.phase, "in_call");
    assert.ok(h.leg.sent.length > 0, "the goodbye was spoken");
    assert.equal(h.leg.queuedMs, 0, "the call ends only after playout");
    assert.ok(rms(h.leg.agentAudio()) > 500);
    assert.match(h.conv.results().transcript, /Agent: Goodbye, and thanks for calling\.$/);
  } finally {
    await h.stop();
    await srv.close();
  }
});

test("silence: one reminder after reminder_trigger_ms, then inactivity after end_call_after_silence_ms", { skip, timeout: 20_000 }, async () => {
  const reminders: number[] = [];
  const srv = await server("Hi.", (f, c) => {
    if (f.interaction_type === "reminder_required") reminders.push(f.response_id ?? -1);
    c.send({ response_type: "response", response_id: f.response_id, content: "Are you there?", content_complete: true });
  });
  const h = await harness({ url: srv.url, asr: new ScriptedAsr("x"), agent: { reminder_trigger_ms: 300, reminder_max_count: 1, end_call_after_silence_ms: 2500 } });
  try {
    const end = await h.ended(10_000);
    assert.equal(end.reason, "inactivity");
    assert.equal(reminders.length, 1, "exactly reminder_max_count reminders");
    assert.equal(h.conv.results().transcript, "Agent: Hi.\nAgent: Are you there?");
    const fired = h.logs.filter((l) => l.type === "timer.fired").map((l) => l.data["timer"]);
    assert.deepEqual(fired, ["reminder", "end_call_after_silence"]);
  } finally {
    await h.stop();
    await srv.close();
  }
});

test("barge-in: user speech while the agent talks clears the leg, truncates the agent turn and tells the LLM", { skip, timeout: 20_000 }, async () => {
  const long = "This is a long welcome message. It has several sentences in it. You will not hear all of them. Nobody listens to the end. It goes on and on.";
  let conn: ServerConn | undefined;
  const srv = await server(long, (f, c) => c.send({ response_type: "response", response_id: f.response_id, content: "Yes?", content_complete: true }));
  const h = await harness({ url: srv.url, asr: new ScriptedAsr("wait a moment") });
  try {
    conn = await srv.conn(1);
    const words = speech8k("wait a moment please");
    // Interrupt once the first sentence has been heard, so there is something to keep.
    await h.leg.until(() => h.leg.sent.length > 0 && performance.now() - (h.leg.sent[0]?.at ?? Infinity) > 2500, 8000, "the welcome to play 2.5 s");
    await h.leg.play(words);
    const upd = await conn.next((f) => f["interaction_type"] === "update_only" && f["turntaking"] === "user_turn", 5000);
    assert.ok(h.leg.clears >= 1, "the leg's queue was cleared");
    const agentSaid = (upd["transcript"] as { role: string; content: string }[])[0];
    assert.equal(agentSaid?.role, "agent");
    assert.ok((agentSaid?.content.length ?? 0) > 10, `the words heard are kept: "${agentSaid?.content}"`);
    assert.ok((agentSaid?.content.length ?? 0) < long.length, `truncated to what was played: "${agentSaid?.content}"`);
    assert.ok(long.startsWith(agentSaid?.content.replace(/ /g, " ") ?? "~"), "what is kept is the start of the message");
    const req = await conn.next((f) => f["interaction_type"] === "response_required", 6000);
    const t = req["transcript"] as { role: string; content: string }[];
    assert.equal(t.at(-1)?.content, "wait a moment");
  } finally {
    await h.stop();
    await srv.close();
  }
});

test("no_interruption_allowed: the agent keeps talking over the user", { skip, timeout: 20_000 }, async () => {
  const srv = await fakeLlmServer((c) =>
    c.send({ response_type: "response", response_id: 0, content: "Please listen to this whole important notice before you say anything at all.", content_complete: true, no_interruption_allowed: true }),
  );
  const h = await harness({ url: srv.url, asr: new ScriptedAsr("hey") });
  try {
    await srv.conn(1);
    await h.leg.until(() => h.leg.sent.length > 0, 5000, "the notice to start");
    await h.leg.play(speech8k("hey hey hey wait"));
    await h.leg.until(() => h.leg.queuedMs === 0, 10_000, "the notice to play out");
    assert.equal(h.leg.clears, 0);
    assert.match(h.conv.results().transcript, /whole important notice before you say anything at all\./);
  } finally {
    await h.stop();
    await srv.close();
  }
});

test("transfer_number: after speaking, the conversation asks the telephony layer to transfer; a refused transfer is logged and the agent goes on", { skip, timeout: 20_000 }, async () => {
  const srv = await server("", (f, c) => c.send({ response_type: "response", response_id: f.response_id, content: "Transferring you now.", content_complete: true, transfer_number: "+14155550123" }));
  const h = await harness({ url: srv.url, asr: new ScriptedAsr("transfer me"), transferResult: false });
  try {
    await srv.conn(1);
    await h.leg.play(speech8k("transfer me"));
    await h.leg.until(() => h.transfers.length > 0, 10_000, "the transfer");
    assert.deepEqual(h.transfers, ["+14155550123"]);
    assert.equal(h.leg.queuedMs, 0, "transfer only after playout");
    await h.leg.until(() => h.logs.some((l) => l.type === "transfer" && l.data["failed"] === true), 2000, "the failed-transfer log");
    assert.equal(h.ends.length, 0);
  } finally {
    await h.stop();
    await srv.close();
  }
});

test("DTMF both ways: caller digits become the user's turn and a dtmf entry; digit_to_press reaches the leg", { skip, timeout: 20_000 }, async () => {
  const srv = await fakeLlmServer((c) => {
    c.send({ response_type: "config", config: { transcript_with_tool_calls: true } });
    c.send({ response_type: "response", response_id: 0, content: "", content_complete: true });
    c.ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as Frame;
      if (f.interaction_type === "response_required") c.send({ response_type: "response", response_id: f.response_id, content: "Pressing one.", content_complete: true, digit_to_press: "1" });
    });
  });
  const h = await harness({ url: srv.url, asr: new ScriptedAsr("x") });
  try {
    const conn = await srv.conn(1);
    if (!h.conv.llmSocket.serverConfig) {
      await within(new Promise<void>((resolve) => { const off = h.conv.llmSocket.on((e) => { if (e.type === "config") { off(); resolve(); } }); }), 3000, "the server's config");
    }
    h.leg.dtmf("4");
    h.leg.dtmf("2");
    h.leg.dtmf("#");
    const req = await conn.next((f) => f["interaction_type"] === "response_required", 5000);
    assert.equal((req["transcript"] as { content: string }[]).at(-1)?.content, "42#");
    const items = req["transcript_with_tool_calls"] as { role: string; digit?: string }[];
    assert.deepEqual(items.filter((i) => i.role === "dtmf").map((i) => i.digit), ["4", "2", "#"]);
    await h.leg.until(() => h.leg.dtmfSent.length > 0, 8000, "digit_to_press");
    assert.deepEqual(h.leg.dtmfSent, ["1"]);
  } finally {
    await h.stop();
    await srv.close();
  }
});
