/**
 * The Test call button with audio: the browser (fake microphone) joins the web call through
 * Parley's web SDK and the audio websocket, a stand-in agent hears it and answers, and Hang up ends
 * the call as user_hangup. Needs `chromium`.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { attachAudioWebsocket, webSdkBundle } from "../../src/api/routes/audio-websocket.js";
import type { LegRunner } from "../../src/calls/call-session.js";
import { startTestParley, type TestParley } from "../helpers/parley.js";
import { apiOf } from "./api.js";
import { CHROMIUM, ensureDashboardBuilt, fakeMediaArgs, launchChromium, screenshot, signIn } from "./browser.js";

const skip = existsSync(CHROMIUM) ? false : `no ${CHROMIUM}: apt-get install -y chromium`;
const STEP_MS = 15_000;

let p: TestParley;
let browser: Browser;
let sdk: string | undefined;
/** Resolves with the call id once the stand-in agent has heard a few frames of the caller. */
let heardCaller: (callId: string) => void = () => {};
const heard = new Promise<string>((resolve) => (heardCaller = resolve));

/** Stands in for the conversation engine: counts caller audio, sends a transcript update, plays a tone. */
const listener: LegRunner = (session, leg) => {
  let frames = 0;
  const tone = new Int16Array(Math.round(leg.outputRate * 0.3));
  for (let i = 0; i < tone.length; i++) tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / leg.outputRate));
  leg.sendAudio(tone);
  return leg.on((e) => {
    if (e.type !== "audio" || ++frames !== 5) return;
    leg.sendClientEvent?.({ event_type: "update", transcript: [{ role: "agent", content: "I can hear you" }] });
    heardCaller(session.callId);
  });
};


/** The JSON body of an API answer. */
async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  return (await apiOf(() => p)(method, path, body)).json;
}

before(async () => {
  if (skip) return;
  await ensureDashboardBuilt();
  p = await startTestParley({ env: { PARLEY_SIP_DISABLED: "1" }, legRunner: listener });
  // server.ts may not register the audio route yet; attaching again is a no-op once it does.
  attachAudioWebsocket(p.parley.http.server, { store: p.parley.store, calls: p.parley.calls });
  sdk = await webSdkBundle();
  browser = await launchChromium(fakeMediaArgs());
});

after(async () => {
  await browser?.close();
  await p?.close();
});

test("Test call joins with the microphone, hears the agent's update, and Hang up ends it as user_hangup", { skip, timeout: 60_000 }, async (t) => {
  if (!sdk) {
    t.skip("the web SDK cannot be built here");
    return;
  }
  const agent = await api("POST", "/create-agent", { agent_name: "Listener", response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(STEP_MS);
  // Serve the SDK the way audioWebsocketRoutes does, whether or not this server registered that route.
  const js = sdk;
  await page.route("**/sdk/parley-web.js", (route) => route.fulfill({ status: 200, contentType: "text/javascript", body: js }));
  await signIn(page, p.url, p.apiKey);
  await page.getByLabel("Agent for a test call").selectOption(String(agent.agent_id));
  await page.getByRole("button", { name: "Test call" }).click();
  await page.locator('.test-call-result[data-phase="connected"]').waitFor();
  const callId = await Promise.race([heard, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the agent heard no caller audio")), STEP_MS))]);
  await page.getByText("Last heard: agent: I can hear you").waitFor();
  assert.equal(await page.locator(".test-call-result a code").innerText(), callId);
  await screenshot(page, "12-test-call-connected", false);

  await page.getByRole("button", { name: "Hang up" }).click();
  // The page asks the API for the stored reason once the socket closes.
  await page.locator('.test-call-result[data-phase="ended"] strong', { hasText: "user_hangup" }).waitFor();
  // The Calls page refreshed itself: the test call is in the table with its ending.
  await page.locator(`tr[data-call-id="${callId}"] .reason`, { hasText: "user_hangup" }).waitFor();
  const call = await api("GET", `/v2/get-call/${callId}`);
  assert.equal(call.disconnection_reason, "user_hangup");
  assert.equal(call.call_type, "web_call");
  await page.context().close();
});
