/**
 * The dashboard on a real call: Parley dials a SIPp UAS that rings and answers 486 Busy Here with a
 * Q.850 Reason; the detail page, opened while the call is live, follows it to its end and draws the
 * ladder from the SIP messages Parley actually exchanged. Needs `sipp` (sip-tester) and `chromium`.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import type { Browser } from "playwright-core";
import { startTestParley, type TestParley } from "../helpers/parley.js";
import { startSippUas, type SippProcess } from "../helpers/sipp.js";
import { apiOf } from "./api.js";
import { CHROMIUM, ensureDashboardBuilt, launchChromium, screenshot, signIn } from "./browser.js";

const haveSipp = spawnSync("sipp", ["-v"], { stdio: "ignore" }).error === undefined;
const skip = !existsSync(CHROMIUM) ? `no ${CHROMIUM}: apt-get install -y chromium` : !haveSipp ? "no sipp: apt-get install -y sip-tester" : false;

let p: TestParley;
let uas: SippProcess;
let browser: Browser;


/** The JSON body of an API answer. */
async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  return (await apiOf(() => p)(method, path, body)).json;
}

before(async () => {
  if (skip) return;
  await ensureDashboardBuilt();
  p = await startTestParley();
  uas = await startSippUas({ code: 486, phrase: "Busy Here", provisionals: [{ code: 180, afterMs: 300 }], headers: { Reason: 'Q.850;cause=17;text="User busy"' } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await uas?.stop();
  await p?.close();
});

test("a call SIPp rejects with 486 shows dial_busy, its SIP evidence and its real ladder", { skip, timeout: 60_000 }, async () => {
  const agent = await api("POST", "/create-agent", { agent_name: "Dialer", response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
  await api("POST", "/import-phone-number", { phone_number: "+14155550150", termination_uri: `127.0.0.1:${uas.port}`, transport: "UDP", outbound_agents: [{ agent_id: agent.agent_id, weight: 1 }] });
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(15_000);
  await signIn(page, p.url, p.apiKey);

  const call = await api("POST", "/v2/create-phone-call", { from_number: "+14155550150", to_number: "+14155550151" });
  const callId = String(call.call_id);
  await page.goto(`${p.url}/#/calls/${callId}`);
  // Opened while live or just ended: either way the page must settle on the ending.
  await page.waitForFunction(`document.querySelector("[data-testid=call-reason]")?.textContent === "dial_busy"`, undefined, { timeout: 15_000 });
  assert.equal(await page.getByTestId("call-status").innerText(), "not connected");
  assert.equal(await page.getByTestId("sip-code").innerText(), "486 Busy Here");
  assert.match(await page.locator("#sip-title + dl").innerText(), /Q\.850;cause=17;text="User busy"/);
  assert.match(await page.getByTestId("remedy").innerText(), /Retry later/);

  // The log may still be flushing the final ACK when the ending shows: wait for the whole exchange.
  await page.waitForFunction(`document.querySelectorAll(".ladder-svg g.arrow").length >= 5`, undefined, { timeout: 15_000 });
  const summaries = await page.evaluate(`[...document.querySelectorAll(".ladder-svg g.arrow")].map((e) => e.getAttribute("data-summary"))`) as string[];
  assert.deepEqual(summaries.map((s) => s.split(" ")[0]), ["INVITE", "100", "180", "486", "ACK"]);
  const addresses = await page.locator(".ladder-svg .col-addr").allTextContents();
  assert.equal(addresses.length, 2);
  assert.equal(addresses[1], `127.0.0.1:${uas.port}`);
  await page.locator(".ladder-svg g.arrow").nth(3).click();
  const raw = await page.locator(".raw pre").innerText();
  assert.match(raw, /^SIP\/2\.0 486 Busy Here/);
  assert.match(raw, /Reason: Q\.850;cause=17/i);
  await screenshot(page, "11-sipp-486-detail");
  await page.context().close();
});
