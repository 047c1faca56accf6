/**
 * Issue 5 "Must show", over real SIP: a SIPp UAS answers Parley's outbound call, then the custom
 * LLM fails one of four ways. Each failure must end the call with its exact reason and a BYE the
 * phone answers, and 100 such calls must leave no timer, socket, UDP port or process behind.
 * Parley runs in this process so its handles can be counted: process.getActiveResourcesInfo() for
 * those that keep the process alive, and an async_hooks ledger for every handle, unref()ed or not.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { conversationLegRunner } from "../../src/app/conversation-runner.js";
import type { LegRunner } from "../../src/calls/call-session.js";
import { ArtifactUrls } from "../../src/calls/signed-urls.js";
import { startHandleLedger } from "../helpers/handle-ledger.js";
import { freePort } from "../helpers/net.js";
import { startTestParley, type TestParley } from "../helpers/parley.js";
import { sippMessages, startSippUas, type SippProcess, type SippResult } from "../helpers/sipp.js";

const SERVER = fileURLToPath(new URL("./failing-llm-server.ts", import.meta.url));

/** The four failures and the reason each must end the call with (spec/disconnection-reasons.md). */
const EXPECTED = {
  refused: "error_llm_websocket_open",
  close1011: "error_llm_websocket_runtime",
  garbage: "error_llm_websocket_corrupt_payload",
  killed: "error_llm_websocket_lost_connection",
} as const;
type Mode = keyof typeof EXPECTED;
const MODES = Object.keys(EXPECTED) as Mode[];
/**
 * The failing-llm-server.ts paths that fail each way (`refused`: a port nobody listens on), with
 * the sub_reason that tells which path Parley took (docs/llm-websocket.md).
 */
const VARIANTS: Readonly<Record<Mode, readonly { readonly path: string; readonly subReason: string }[]>> = {
  refused: [{ path: "refused", subReason: "refused" }],
  close1011: [{ path: "close1011", subReason: "close_1011" }],
  garbage: [{ path: "garbage-text", subReason: "invalid_frame" }, { path: "garbage-event", subReason: "invalid_frame" }],
  killed: [{ path: "hold", subReason: "abnormal_close" }, { path: "hold-reconnect", subReason: "reconnect_failed" }],
};

/** Retell's open retries, 3 s apart, would make 25 refused calls take minutes; three tries stay. */
const LLM_TIMING = { openRetryDelayMs: 100 };
const STEP_MS = 30_000;
const LEAK_CALLS = 100;
const LEAK_CONCURRENCY = 4;

/** One failing-llm-server.ts process. */
interface LlmProcess {
  readonly url: string;
  /** Resolves once the server got `call_details` for this call (it fails right after). */
  gotCallDetails(callId: string): Promise<void>;
  /** SIGKILL: the kernel drops its sockets with no close frame. Resolves once it has exited. */
  kill(): Promise<void>;
}

/** Starts a failing LLM server as a child process and waits until it listens. */
async function startLlm(): Promise<LlmProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(child, "exit");
  const seen = new Set<string>();
  const waiters = new Set<() => void>();
  const lines = createInterface({ input: child.stdout! });
  let port = 0;
  lines.on("line", (line) => {
    const [kind, value = ""] = line.split(" ");
    if (kind === "port") port = Number(value);
    else if (kind === "call_details") seen.add(value);
    for (const w of [...waiters]) w();
  });
  const seenLine = (what: string, ok: () => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`the LLM server never reported ${what}`)), STEP_MS);
      const check = (): void => {
        if (ok()) done();
      };
      function done(error?: Error): void {
        clearTimeout(timer);
        waiters.delete(check);
        if (error) reject(error);
        else resolve();
      }
      waiters.add(check);
      check();
    });
  await seenLine("its port", () => port > 0);
  return {
    url: `ws://127.0.0.1:${port}`,
    gotCallDetails: (callId) => seenLine(`call_details of ${callId}`, () => seen.has(callId)),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      lines.close();
    },
  };
}

let p: TestParley;
let shared: LlmProcess;
let refusedUrl: string;
let numbers = 0;
const agents = new Map<string, string>();

/** A Retell API call answered in-process (no HTTP client sockets to mistake for leaks). */
async function api<T>(method: "GET" | "POST", url: string, payload?: unknown): Promise<T> {
  const res = await p.parley.http.inject({ method, url, headers: { authorization: `Bearer ${p.apiKey}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  assert.ok(res.statusCode < 300, `${method} ${url} → ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

/** The agent whose custom LLM is at `llmUrl` (one per URL). */
async function agentFor(llmUrl: string): Promise<string> {
  const known = agents.get(llmUrl);
  if (known) return known;
  const a = await api<{ agent_id: string }>("POST", "/create-agent", {
    response_engine: { type: "custom-llm", llm_websocket_url: llmUrl },
    voice_id: "espeak-en-us-male",
    parley_asr: { provider: "pocketsphinx", phrases: ["hello", "goodbye"] },
  });
  agents.set(llmUrl, a.agent_id);
  return a.agent_id;
}

/** An imported number whose trunk is the SIPp UAS `peer`. */
async function numberFor(peer: SippProcess): Promise<string> {
  const number = `+1415555${String(8400 + numbers++)}`;
  await api("POST", "/import-phone-number", { phone_number: number, termination_uri: `127.0.0.1:${peer.port}`, transport: "UDP" });
  return number;
}

/** Resolves once the call is stored ended, with its wire object. */
async function ended(callId: string): Promise<Record<string, unknown>> {
  await p.parley.calls.live(callId)?.whenEnded();
  return api<Record<string, unknown>>("GET", `/v2/get-call/${callId}`);
}

/**
 * One outbound call through `from` that meets the failure `mode` (server path `variant`) mid-call;
 * resolves with the ended call. For `killed` a server process of its own is SIGKILLed once the
 * call is connected and the server has the call's details.
 */
async function failingCall(mode: Mode, variant: string, from: string): Promise<Record<string, unknown>> {
  const own = mode === "killed" ? await startLlm() : undefined;
  try {
    const url = mode === "refused" ? refusedUrl : `${(own ?? shared).url}/${variant}`;
    const { call_id } = await api<{ call_id: string }>("POST", "/v2/create-phone-call", { from_number: from, to_number: "+14155550123", override_agent_id: await agentFor(url) });
    if (own) {
      await own.gotCallDetails(call_id);
      await own.kill();
    }
    return await ended(call_id);
  } finally {
    await own?.kill();
  }
}

/** The call's own SIP log: Parley sent BYE and the phone answered it 200. */
async function byeAnswered(callId: string): Promise<{ byeSent: boolean; ok200: boolean }> {
  const events = await p.parley.store.callEvents.list(callId);
  const data = (type: string): Record<string, unknown>[] => events.filter((e) => e.type === type).map((e) => e.data as Record<string, unknown>);
  return {
    byeSent: data("sip.out").some((d) => d.method === "BYE" && d.status === undefined),
    ok200: data("sip.in").some((d) => d.method === "BYE" && d.status === 200),
  };
}

/** Active handles by type, e.g. { Timeout: 3, UDPWrap: 2 }: only those that keep the process alive. */
function resources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

/** Every type in `now` that has more handles than in `baseline`, with both counts. */
function excess(now: Map<string, number>, baseline: Map<string, number>): string[] {
  return [...now].filter(([k, n]) => n > (baseline.get(k) ?? 0)).map(([k, n]) => `${k}: ${baseline.get(k) ?? 0} → ${n}`);
}

/**
 * Handles of Parley's (created outside test/) still alive, less its background work, which runs
 * one at a time however many calls there were: the webhook outbox's next poll.
 */
function parleyLeftovers(alive: Map<string, number>): string[] {
  return [...alive]
    .filter(([key, n]) => !key.includes(" test/") && !(key.startsWith("Timeout src/webhooks/dispatcher.ts:") && n === 1))
    .map(([key, n]) => `${key} ×${n}`);
}

/**
 * Resolves once `leftover()` is empty, or with what is still left after `ms`. Handles close on
 * later event-loop turns, and SIP transactions keep their RFC 3261/6026 wait timers (up to 64·T1)
 * after the call; a leak is what is still there once those are over.
 */
async function settled(leftover: () => string[], ms: number): Promise<string[]> {
  const until = Date.now() + ms;
  for (let left = leftover(); ; left = leftover()) {
    if (left.length === 0 || Date.now() >= until) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The SIPp UAS ran every call to its end: each got Parley's BYE and answered it. */
function assertPeerGotByes(r: SippResult, calls: number): void {
  const byes = sippMessages(r.messages, "received").filter((m) => m.startsWith("BYE "));
  assert.equal(byes.length, calls, `SIPp received ${byes.length} BYEs for ${calls} calls`);
  assert.equal(r.exitCode, 0, `SIPp exit code ${r.exitCode} (0: every call completed its scenario): ${r.stderr}`);
  assert.equal(r.stats?.successful, calls, `SIPp successful calls: ${JSON.stringify(r.stats?.raw)}`);
  assert.equal(r.stats?.failed, 0);
}

before(async () => {
  let runner: LegRunner | undefined;
  p = await startTestParley({
    // No periodic OPTIONS to the trunks (dead SIPp ports after each test) during the handle counts.
    env: { PARLEY_SIP_HOST: "127.0.0.1", PARLEY_RTP_PORTS: "46000-46999", PARLEY_TRUNK_PROBE_INTERVAL_MS: "3600000" },
    legRunner: (session, leg) => (runner ? runner(session, leg) : () => {}),
  });
  // The production runner with shorter open retries; it needs the running node's URL and key.
  runner = conversationLegRunner(new ArtifactUrls(() => p.url, p.parley.config.secretKey), { llmTiming: LLM_TIMING });
  shared = await startLlm();
  // Bound, read and released: nothing listens there.
  refusedUrl = `ws://127.0.0.1:${await freePort()}`;
});
after(async () => {
  await shared?.kill();
  await p?.close();
});

for (const [mode, variant] of MODES.flatMap((m) => VARIANTS[m].map((v) => [m, v] as const))) {
  test(`over SIP, ${mode} (${variant.path}): the call ends ${EXPECTED[mode]} and the phone gets Parley's BYE`, { timeout: 60_000 }, async () => {
    const peer = await startSippUas({ scenario: "answer", timeoutMs: 40_000 });
    try {
      const call = await failingCall(mode, variant.path, await numberFor(peer));
      const detail = call.disconnection_detail as { message?: string; sub_reason?: string } | undefined;
      assert.equal(call.disconnection_reason, EXPECTED[mode], JSON.stringify(detail));
      assert.equal(detail?.sub_reason, variant.subReason, JSON.stringify(detail));
      assert.equal(call.call_status, "error", "an LLM failure is an error ending");
      assert.equal(typeof call.end_timestamp, "number", "the record has its end");
      assert.ok(Number(call.end_timestamp) >= Number(call.start_timestamp), "the call was connected before it ended");
      if (mode === "close1011") {
        assert.match(String(detail?.message), /1011/);
        assert.match(String(detail?.message), /llm crashed/);
      }
      assert.deepEqual(await byeAnswered(String(call.call_id)), { byeSent: true, ok200: true }, "the call's SIP log has BYE out and its 200 in");
      assertPeerGotByes(await peer.done, 1);
    } finally {
      await peer.stop();
    }
  });
}

test(`${LEAK_CALLS} calls over SIP through the four failures, ${LEAK_CONCURRENCY} at a time, leave no timer, socket, UDP port or process behind`, { timeout: 175_000 }, async () => {
  // Counted with only Parley and this runner alive: the peer and the shared server are stopped
  // before the second count, so any handle added in between is Parley's.
  await shared.kill();
  // A dead child's process handle closes a loop turn after its exit event.
  await settled(() => [...resources().keys()].filter((k) => k === "ProcessWrap"), 5_000);
  const baseline = resources();
  const ledger = startHandleLedger();
  const wrong: string[] = [];
  let peer: SippProcess | undefined;
  try {
    shared = await startLlm();
    peer = await startSippUas({ scenario: "answer", calls: LEAK_CALLS, timeoutMs: 160_000 });
    const from = await numberFor(peer);
    const started = Date.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < LEAK_CALLS; i = next++) {
        const mode = MODES[i % MODES.length]!;
        const variants = VARIANTS[mode];
        const variant = variants[Math.floor(i / MODES.length) % variants.length]!;
        const call = await failingCall(mode, variant.path, from);
        const sub = (call.disconnection_detail as { sub_reason?: string } | undefined)?.sub_reason;
        if (call.disconnection_reason !== EXPECTED[mode] || sub !== variant.subReason) wrong.push(`#${i} ${mode}: ${String(call.disconnection_reason)} ${JSON.stringify(call.disconnection_detail)}`);
      }
    };
    await Promise.all(Array.from({ length: LEAK_CONCURRENCY }, worker));
    const elapsed = Date.now() - started;
    assert.deepEqual(wrong, [], "every call ended with its failure's reason and sub_reason");
    assertPeerGotByes(await peer.done, LEAK_CALLS);
    assert.equal(p.parley.calls.liveCount, 0, "no call left live");
    await shared.kill();
    const lastEnded = Date.now();
    const active = await settled(() => excess(resources(), baseline), 60_000);
    const created = await settled(() => parleyLeftovers(ledger.alive()), 60_000);
    console.log(
      `# ${LEAK_CALLS} failing SIP calls in ${elapsed} ms; handles gone ${Date.now() - lastEnded} ms after the last; ` +
        `active before ${JSON.stringify(Object.fromEntries(baseline))}, after ${JSON.stringify(Object.fromEntries(resources()))}; ` +
        `created during the calls and still alive ${JSON.stringify(Object.fromEntries(ledger.alive()))}`,
    );
    assert.deepEqual(active, [], "handles keeping the process alive beyond the baseline");
    assert.deepEqual(created, [], "handles (ref'd or not) created by the calls and never destroyed");
  } finally {
    ledger.stop();
    await peer?.stop();
  }
});
