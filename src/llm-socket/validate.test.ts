import assert from "node:assert/strict";
import { test } from "node:test";
import { validateFrame } from "./validate.js";

function ok(text: string): unknown {
  const v = validateFrame(text);
  assert.ok(v.ok, v.ok ? "" : v.problem);
  return v.frame;
}

function bad(value: unknown): string {
  const v = validateFrame(typeof value === "string" ? value : JSON.stringify(value));
  assert.equal(v.ok, false);
  return v.ok ? "" : v.problem;
}

test("a frame without response_type is a legacy response", () => {
  assert.deepEqual(ok('{"response_id":3,"content":"hi","content_complete":false}'), {
    response_type: "response",
    response_id: 3,
    content: "hi",
    content_complete: false,
  });
});

test("optional fields: null means absent, unknown keys are ignored", () => {
  assert.deepEqual(
    ok(JSON.stringify({ response_type: "response", response_id: 1, content: "", content_complete: true, end_call: null, extra: { x: 1 }, transfer_number: "+14155550100" })),
    { response_type: "response", response_id: 1, content: "", content_complete: true, transfer_number: "+14155550100" },
  );
});

test("config defaults stay absent on the wire shape", () => {
  assert.deepEqual(ok('{"response_type":"config","config":{"auto_reconnect":true}}'), { response_type: "config", config: { auto_reconnect: true } });
});

test("every response_type the protocol defines is accepted", () => {
  for (const f of [
    { response_type: "agent_interrupt", interrupt_id: 2, content: "x", content_complete: true, no_interruption_allowed: true },
    { response_type: "update_agent", agent_config: { interruption_sensitivity: 0.2, reminder_max_count: 2 } },
    { response_type: "tool_call_invocation", tool_call_id: "a", name: "b", arguments: "{}" },
    { response_type: "tool_call_result", tool_call_id: "a", content: "c" },
    { response_type: "metadata", metadata: { a: [1] } },
    { response_type: "ping_pong", timestamp: 1700000000000 },
  ]) {
    assert.deepEqual(ok(JSON.stringify(f)), f);
  }
});

test("invalid frames name the problem", () => {
  assert.match(bad("{"), /not JSON/);
  assert.match(bad("null"), /not a JSON object but null/);
  assert.match(bad('"text"'), /not a JSON object/);
  assert.match(bad({ response_type: 5 }), /response_type.*string/);
  assert.match(bad({ response_type: "nope" }), /unknown response_type/);
  assert.match(bad({ response_type: "response", response_id: -1, content: "", content_complete: true }), /response_id.*integer >= 0.*-1/);
  assert.match(bad({ response_type: "response", response_id: "1", content: "", content_complete: true }), /response_id/);
  assert.match(bad({ response_type: "response", response_id: 1, content: 7, content_complete: true }), /content.*string/);
  assert.match(bad({ response_type: "response", response_id: 1, content: "", content_complete: "true" }), /invalid response frame: `content_complete` must be a boolean, got string "true"/);
  assert.match(bad({ response_type: "response", response_id: 1, content: "", content_complete: true, digit_to_press: "1x" }), /DTMF/);
  assert.match(bad({ response_type: "response", response_id: 1, content: "", content_complete: true, transfer_number: " " }), /transfer_number/);
  assert.match(bad({ response_type: "config", config: [] }), /config.*object.*array/);
  assert.match(bad({ response_type: "metadata", metadata: "x" }), /metadata/);
  assert.match(bad({ response_type: "ping_pong", timestamp: "now" }), /timestamp/);
  assert.match(bad({ response_type: "update_agent", agent_config: { reminder_trigger_ms: 1.5 } }), /reminder_trigger_ms/);
  assert.match(bad({ response_type: "agent_interrupt", content: "", content_complete: true }), /interrupt_id.*nothing/);
});

test("a long offending value is shortened in the message", () => {
  const problem = bad({ response_type: "response", response_id: 1, content: "x".repeat(500), content_complete: true, end_call: "y".repeat(500) });
  assert.ok(problem.length < 200, problem);
});

test("frames shaped like Retell's official demo servers are accepted", () => {
  // Python demo: config carries a stray response_id; optional fields serialised as null.
  assert.deepEqual(ok('{"response_type":"config","config":{"auto_reconnect":true,"call_details":true},"response_id":1}'), {
    response_type: "config",
    config: { auto_reconnect: true, call_details: true },
  });
  assert.deepEqual(ok('{"response_type":"response","response_id":0,"content":"Hi","content_complete":true,"end_call":false,"transfer_number":null}'), {
    response_type: "response",
    response_id: 0,
    content: "Hi",
    content_complete: true,
    end_call: false,
  });
  // Node demo: an end_call frame whose content is the model's (possibly missing) message.
  assert.deepEqual(ok('{"response_type":"response","response_id":4,"content_complete":true,"end_call":true}'), {
    response_type: "response",
    response_id: 4,
    content: "",
    content_complete: true,
    end_call: true,
  });
});

test("Parley's warm-transfer extension: transfer_mode, transfer_whisper and transfer_timeout_ms are read and range-checked", () => {
  const base = { response_type: "response", response_id: 1, content: "", content_complete: true, transfer_number: "+14155550100" };
  const warm = { ...base, transfer_mode: "warm", transfer_whisper: "A caller about billing.", transfer_timeout_ms: 20_000 };
  assert.deepEqual(ok(JSON.stringify(warm)), warm);
  assert.deepEqual(ok(JSON.stringify({ ...base, transfer_mode: null, transfer_whisper: null })), base);
  assert.match(bad({ ...base, transfer_mode: "hot" }), /invalid response frame: `transfer_mode` must be "cold" or "warm", got string "hot"/);
  assert.match(bad({ ...base, transfer_mode: true }), /transfer_mode.*string/);
  assert.match(bad({ ...base, transfer_whisper: 3 }), /transfer_whisper.*string/);
  assert.match(bad({ ...base, transfer_timeout_ms: 500 }), /transfer_timeout_ms.*>= 1000/);
  assert.match(bad({ ...base, transfer_timeout_ms: 300_001 }), /transfer_timeout_ms.*from 1000 to 300000/);
  assert.match(bad({ ...base, transfer_timeout_ms: 1.5e3 + 0.5 }), /transfer_timeout_ms/);
});
