import assert from "node:assert/strict";
import { test } from "node:test";
import { sseData } from "../../examples/llm-servers/sse.js";

async function collect(parts: string[]): Promise<string[]> {
  const enc = new TextEncoder();
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const p of parts) yield enc.encode(p);
  }
  const out: string[] = [];
  for await (const d of sseData(body())) out.push(d);
  return out;
}

test("events split anywhere across reads, CRLF or LF, comments skipped", async () => {
  const text = ': hi\r\ndata: {"a":1}\r\n\r\nevent: x\r\ndata: line1\r\ndata:line2\r\n\r\ndata: [DONE]\n\n';
  const expected = ['{"a":1}', "line1\nline2", "[DONE]"];
  assert.deepEqual(await collect([text]), expected);
  for (let cut = 1; cut < text.length; cut++) {
    assert.deepEqual(await collect([text.slice(0, cut), text.slice(cut)]), expected, `cut at ${cut}`);
  }
});

test("a multi-byte character split between reads survives; a last event without blank line is kept", async () => {
  const bytes = new TextEncoder().encode("data: héllo ☎\n\ndata: tail");
  const chunks = [bytes.slice(0, 8), bytes.slice(8, 16), bytes.slice(16)];
  async function* body(): AsyncGenerator<Uint8Array> {
    yield* chunks;
  }
  const out: string[] = [];
  for await (const d of sseData(body())) out.push(d);
  assert.deepEqual(out, ["héllo ☎", "tail"]);
});
