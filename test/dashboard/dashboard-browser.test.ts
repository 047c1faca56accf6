import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { REASON_CATALOGUE, reasonInfo } from "../../src/core/index.js";
import { startTestParley, type TestParley } from "../helpers/parley.js";
import { apiOf } from "./api.js";
import { CHROMIUM, ensureDashboardBuilt, launchChromium, screenshot, signIn } from "./browser.js";
import { BURNED_NUMBER, seedCalls, type SeededCall } from "./seed.js";

const haveChromium = existsSync(CHROMIUM);
const skip = haveChromium ? false : `Debian's chromium is not installed (${CHROMIUM}): apt-get install -y chromium`;
const STEP_MS = 10_000;
const SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth";

let p: TestParley;
let browser: Browser;
let seeded: SeededCall[];
let agentId: string;
const api = apiOf(() => p);


/** A signed-in page of the given width; the caller closes its context. */
async function openPage(width = 1280, height = 900): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width, height } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  await signIn(page, p.url, p.apiKey);
  return page;
}

/**
 * Evaluates a browser-side expression. Given as text because the repo's tsconfig has no DOM
 * library (Node code); the expressions are short and checked by the assertions on their results.
 */
function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/** Call ids of the rows the calls table shows now. */
function rowIds(page: Page): Promise<string[]> {
  return inPage(page, `[...document.querySelectorAll("table.calls tbody tr")].map((r) => r.getAttribute("data-call-id") ?? "")`);
}

/** Waits until the table shows exactly `n` rows (filters load asynchronously). */
async function waitForRows(page: Page, n: number): Promise<void> {
  await page.waitForFunction(`document.querySelectorAll("table.calls tbody tr").length === ${n} && !document.querySelector(".table-wrap[aria-busy=true]")`, undefined, { timeout: STEP_MS });
}

before(async () => {
  if (!haveChromium) return;
  await ensureDashboardBuilt();
  p = await startTestParley();
  const agent = await api("POST", "/create-agent", { agent_name: "Front desk", response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-female" });
  agentId = String(agent.json.agent_id);
  // 20 planned calls plus 12 extra hang-ups: more than one page of 25.
  seeded = await seedCalls(p, agentId, "Front desk", 12);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await p?.close();
});

test("a wrong key shows the server's 401 message; the right key opens the Calls page", { skip, timeout: 60_000 }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  await page.goto(p.url + "/");
  await page.getByLabel("API key").fill("key_wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.locator("#signin-error");
  await alert.waitFor();
  assert.match(await alert.innerText(), /invalid API key/);
  assert.equal(await page.getByLabel("API key").getAttribute("aria-invalid"), "true");
  await screenshot(page, "01-sign-in-refused");
  await page.getByLabel("API key").fill(p.apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Calls", level: 1 }).waitFor();
  assert.equal(await inPage(page, `sessionStorage.getItem("parley.apiKey")`), p.apiKey);
  await ctx.close();
});

test("calls of every status appear, with per-status and per-reason counts and the chart", { skip, timeout: 60_000 }, async () => {
  const page = await openPage();
  await waitForRows(page, 32);
  const ids = await rowIds(page);
  assert.deepEqual([...ids].sort(), seeded.map((c) => c.callId).sort());
  for (const status of ["registered", "ongoing", "ended", "not_connected", "error"] as const) {
    const want = seeded.filter((c) => c.status === status);
    assert.ok(want.length > 0);
    assert.equal(await page.locator(`[data-status-count="${status}"]`).innerText(), String(want.length), status);
    const row = page.locator(`tr[data-call-id="${want[0]!.callId}"]`);
    assert.equal(await row.locator(".badge").innerText(), status.replace("_", " "));
  }
  assert.equal(await page.locator("#list-title").innerText(), "32 calls");
  const busy = page.locator('button.chip[data-reason="dial_busy"]');
  assert.equal(await busy.locator(".count").innerText(), "2");
  // The meaning shows on hover, and the button is described by it for screen readers.
  await busy.hover();
  const tip = page.locator("#tip-dial_busy");
  await tip.waitFor({ state: "visible" });
  assert.equal(await tip.innerText(), reasonInfo("dial_busy").meaning);
  assert.equal(await busy.getAttribute("aria-describedby"), "tip-dial_busy");
  const bars = await page.locator(".chart rect[data-reason]").count();
  assert.ok(bars >= 10, `chart draws bars (${bars})`);
  assert.equal(await page.locator(".chart rect[data-reason=marked_as_spam]").count(), 1);
  const burned = page.locator(`tr[data-caller="${BURNED_NUMBER}"]`);
  assert.match(await burned.innerText(), /flagged as spam/);
  assert.match(await burned.locator('td[data-label="Answered"]').innerText(), /^0 \(0%\)$/);
  const conc = (await api("GET", "/get-concurrency")).json;
  assert.equal(await page.getByTestId("concurrency").innerText(), `Concurrency ${conc.current_concurrency} / ${conc.concurrency_limit}`);
  await screenshot(page, "02-calls");
  await page.context().close();
});

test("filtering by reason (select or count button), searching and paging narrow the table", { skip, timeout: 60_000 }, async () => {
  const page = await openPage();
  await waitForRows(page, 32);
  await page.getByLabel("Disconnection reason", { exact: true }).selectOption("dial_busy");
  const busy = seeded.filter((c) => c.reason === "dial_busy").map((c) => c.callId);
  await waitForRows(page, busy.length);
  assert.deepEqual((await rowIds(page)).sort(), busy.sort());
  for (const r of await page.locator("table.calls tbody tr .reason").allInnerTexts()) assert.equal(r, "dial_busy");
  // The raw SIP code sits beside the reason, the carrier's words in its tooltip.
  assert.deepEqual(await page.locator("table.calls tbody td.sip-code").allInnerTexts(), ["486", "486"]);
  assert.match(String(await page.locator("table.calls tbody td.sip-code").first().getAttribute("title")), /486 Busy Here/);
  await screenshot(page, "03-filter-dial-busy");

  await page.getByRole("button", { name: "Reset" }).click();
  await waitForRows(page, 32);
  await page.locator('button.chip[data-reason="marked_as_spam"]').click();
  const spam = seeded.find((c) => c.reason === "marked_as_spam")!;
  await waitForRows(page, 1);
  assert.deepEqual(await rowIds(page), [spam.callId]);
  assert.equal(await page.getByLabel("Disconnection reason", { exact: true }).inputValue(), "marked_as_spam");
  // The filter is in the URL: Back undoes it, and the link opens the same view elsewhere.
  assert.match(page.url(), /#\/calls\?reason=marked_as_spam$/);
  await page.goBack();
  await waitForRows(page, 32);
  assert.equal(await page.getByLabel("Disconnection reason", { exact: true }).inputValue(), "");
  await page.goto(`${p.url}/#/calls?reason=dial_busy&direction=outbound`);
  await waitForRows(page, busy.length);
  assert.equal(await page.getByLabel("Direction").inputValue(), "outbound");

  // The caller-number table links to that number's spam-blocked calls.
  await page.goto(`${p.url}/#/calls`);
  await waitForRows(page, 32);
  await page.locator(`tr[data-caller="${BURNED_NUMBER}"] a.flag`).click();
  await waitForRows(page, 1);
  assert.deepEqual(await rowIds(page), [spam.callId]);

  // A bar of the chart lists that reason's calls in that interval.
  await page.goto(`${p.url}/#/calls`);
  await waitForRows(page, 32);
  await page.locator(".chart rect[data-reason=dial_no_answer]").click();
  await waitForRows(page, 1);
  assert.equal(await page.getByLabel("Time range").inputValue(), "custom");
  assert.deepEqual(await rowIds(page), seeded.filter((c) => c.reason === "dial_no_answer").map((c) => c.callId));

  await page.getByRole("button", { name: "Reset" }).click();
  await page.getByLabel("Status", { exact: true }).selectOption("error");
  await waitForRows(page, seeded.filter((c) => c.status === "error").length);

  await page.getByRole("button", { name: "Reset" }).click();
  await page.getByLabel("Search by call id or number").fill(spam.toNumber!.slice(-7));
  await page.getByRole("button", { name: "Apply" }).click();
  await waitForRows(page, 1);
  assert.deepEqual(await rowIds(page), [spam.callId]);

  await page.getByRole("button", { name: "Reset" }).click();
  await waitForRows(page, 32);
  await page.getByLabel("Rows per page").selectOption("25");
  await waitForRows(page, 25);
  const first = await rowIds(page);
  await page.getByRole("button", { name: "Older" }).click();
  await waitForRows(page, 7);
  const second = await rowIds(page);
  assert.equal(new Set([...first, ...second]).size, 32);
  assert.equal(await page.getByRole("button", { name: "Older" }).isDisabled(), true);
  await page.getByRole("button", { name: "Newer" }).click();
  await waitForRows(page, 25);
  assert.deepEqual(await rowIds(page), first);
  await page.context().close();
});

test("the detail page shows the reason, remedy, SIP evidence, ladder, timeline and transcript", { skip, timeout: 60_000 }, async () => {
  const page = await openPage();
  const call = seeded.find((c) => c.reason === "dial_busy" && c.sipEvents === 5)!;
  await page.locator(`tr[data-call-id="${call.callId}"] a`).click();
  await page.getByTestId("call-reason").waitFor();
  assert.equal(await page.getByTestId("call-reason").innerText(), "dial_busy");
  assert.equal(await page.getByTestId("call-status").innerText(), "not connected");
  assert.match(await page.getByTestId("remedy").innerText(), new RegExp(reasonInfo("dial_busy").remedy.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.match(await page.getByTestId("fault").innerText(), /other party/);
  assert.match(await page.getByTestId("phase").innerText(), /Dialing/);
  assert.equal(await page.getByTestId("sip-code").innerText(), "486 Busy Here");
  assert.match(await page.locator("#sip-title + dl").innerText(), /Q\.850;cause=17/);
  assert.match(await page.locator("#sip-title + dl").innerText(), /X-Carrier-Code/);

  const arrows = page.locator(".ladder-svg g.arrow");
  await arrows.first().waitFor();
  assert.equal(await arrows.count(), call.sipEvents);
  assert.deepEqual(await inPage(page, `[...document.querySelectorAll(".ladder-svg g.arrow")].map((e) => e.getAttribute("data-summary"))`),
    ["INVITE sip:+14155550199@127.0.0.2", "100 Trying", "180 Ringing", "486 Busy Here", "ACK sip:+14155550199@127.0.0.2"]);
  assert.equal(await page.locator(".ladder-svg .col-addr").count(), 2);
  await arrows.nth(3).click();
  const raw = page.locator(".raw pre");
  await raw.waitFor();
  assert.match(await raw.innerText(), /^SIP\/2\.0 486 Busy Here/);
  assert.match(await raw.innerText(), /Reason: Q\.850;cause=17/);

  const events = page.locator(".timeline li.event");
  assert.equal(await events.count(), call.sipEvents + 2);
  assert.equal(await events.last().getAttribute("data-type"), "call.end");
  // The end came 2.86 s after the last SIP message: the gap is spelled out.
  assert.match(await events.last().innerText(), /2\.9 s later/);
  await page.getByLabel("sip", { exact: true }).uncheck();
  assert.equal(await events.count(), 2);
  await page.getByLabel("sip", { exact: true }).check();
  await screenshot(page, "04-detail-dial-busy");

  // A connected call: transcript with timings and latency figures.
  const hangup = seeded.find((c) => c.reason === "user_hangup" && c.sipEvents > 0)!;
  await page.goto(`${p.url}/#/calls/${hangup.callId}`);
  await page.locator(".transcript .turn").first().waitFor();
  assert.equal(await page.locator(".transcript .turn").count(), 2);
  assert.equal(await page.locator(".transcript .turn .when").first().innerText(), "0:00.4–0:02.1");
  assert.match(await page.locator("#latency-title + .scroll table").innerText(), /e2e\s+820 ms\s+1100 ms/);
  assert.match(await page.getByTestId("remedy").innerText(), /expected ending/);
  // The log, PCAP and recording links are signed URLs that download without the API key.
  for (const id of ["log-link", "pcap-link"]) {
    const url = await page.getByTestId(id).getAttribute("href");
    assert.ok(url, id);
    assert.equal((await fetch(new URL(url, p.url))).status, 200, id);
  }
  assert.ok(hangup.files);
  const seconds = await inPage<number>(page, `new Promise((resolve, reject) => {
    const a = document.querySelector("audio");
    a.onloadedmetadata = () => resolve(a.duration);
    a.onerror = () => reject(new Error("audio error " + (a.error && a.error.code)));
    a.preload = "metadata";
    a.load();
  })`);
  assert.ok(Math.abs(seconds - 0.5) < 0.05, `the player loads the 0.5 s recording (${seconds} s)`);
  await screenshot(page, "05-detail-user-hangup");
  await page.context().close();
});

test("keyboard alone reaches the filters, the rows and a ladder arrow", { skip, timeout: 60_000 }, async () => {
  const page = await openPage();
  await waitForRows(page, 32);
  await page.locator("body").focus();
  const reached: string[] = [];
  let rowLink: string | undefined;
  for (let i = 0; i < 80 && !rowLink; i++) {
    await page.keyboard.press("Tab");
    const f = await inPage<{ id: string; inRow: string; tag: string }>(page, `(() => {
      const el = document.activeElement;
      return { id: el?.id ?? "", inRow: el?.closest("table.calls tbody tr")?.getAttribute("data-call-id") ?? "", tag: el?.tagName ?? "" };
    })()`);
    if (f.id) reached.push(f.id);
    if (f.inRow && f.tag === "A") rowLink = f.inRow;
  }
  for (const id of ["f-search", "f-status", "f-reason", "f-agent", "f-direction", "f-window"]) assert.ok(reached.includes(id), `Tab reaches #${id}`);
  assert.ok(rowLink, "Tab reaches a row's link");
  // A focus ring is drawn (outline from :focus-visible).
  const outline = await inPage<string>(page, `getComputedStyle(document.activeElement).outlineStyle`);
  assert.equal(outline, "solid");
  await page.keyboard.press("Enter");
  await page.getByTestId("call-status").waitFor();
  assert.match(page.url(), new RegExp(`#/calls/${rowLink}$`));

  // Choose a filter with the keyboard only.
  await page.goto(p.url + "/#/calls");
  await waitForRows(page, 32);
  await page.getByLabel("Status", { exact: true }).focus();
  await page.keyboard.press("ArrowDown"); // registered
  await waitForRows(page, 1);

  const busy = seeded.find((c) => c.reason === "dial_busy" && c.sipEvents === 5)!;
  await page.goto(`${p.url}/#/calls/${busy.callId}`);
  // The skip link is the first stop and jumps to the content without leaving the page.
  await page.getByTestId("call-status").waitFor();
  assert.equal(await inPage(page, `document.querySelector("a[href], button, input, select, [tabindex='0']").textContent`), "Skip to content");
  await page.getByRole("link", { name: "Skip to content" }).focus();
  await page.keyboard.press("Enter");
  assert.equal(await inPage(page, "document.activeElement.id"), "main");
  assert.match(page.url(), new RegExp(`#/calls/${busy.callId}$`));
  const arrow = page.locator(".ladder-svg g.arrow").nth(3);
  await arrow.focus();
  await page.keyboard.press("Enter");
  await page.locator(".raw pre").waitFor();
  assert.equal(await arrow.getAttribute("aria-pressed"), "true");
  await page.context().close();
});

test("agents: create, edit and delete through the UI, with field errors and a test call", { skip, timeout: 60_000 }, async () => {
  const page = await openPage();
  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("button", { name: "New agent" }).click();
  await page.getByLabel("Name").fill("Billing bot");
  await page.getByLabel("LLM websocket URL").fill("http://not-a-websocket");
  await page.getByLabel("Voice").selectOption("espeak-en-gb-female");
  await page.getByRole("button", { name: "Create agent" }).click();
  const fieldError = page.locator("#agent-llm-error");
  await fieldError.waitFor();
  assert.match(await fieldError.innerText(), /ws:\/\/ or wss:\/\//);
  assert.equal(await page.getByLabel("LLM websocket URL").getAttribute("aria-invalid"), "true");
  await page.getByLabel("LLM websocket URL").fill("wss://llm.example.test/retell");
  // The server's own refusal lands next to the field it names.
  await page.getByLabel("Max call duration (ms)").fill("5");
  await page.getByRole("button", { name: "Create agent" }).click();
  await page.locator("#agent-max-error").waitFor();
  assert.match(await page.locator("#agent-max-error").innerText(), /max_call_duration_ms/);
  assert.equal(await page.locator("#agent-llm-error").count(), 0);
  await screenshot(page, "06-agent-field-error");
  await page.getByLabel("Max call duration (ms)").fill("");
  await page.getByRole("button", { name: "Create agent" }).click();
  await page.getByText("Created agent Billing bot.").waitFor();
  const row = page.locator("tr", { hasText: "Billing bot" });
  await row.waitFor();
  const id = await row.getAttribute("data-agent-id");
  assert.ok(id);
  const created = await api("GET", `/get-agent/${id}`);
  assert.equal(created.json.voice_id, "espeak-en-gb-female");
  assert.deepEqual(created.json.response_engine, { type: "custom-llm", llm_websocket_url: "wss://llm.example.test/retell" });

  // Each agent links to its calls (none yet for a new agent).
  await page.getByRole("link", { name: "Calls of Billing bot" }).click();
  assert.match(page.url(), new RegExp(`#/calls\\?agent=${id}$`));
  await page.locator("p.empty").waitFor();
  assert.equal(await page.getByLabel("Agent", { exact: true }).inputValue(), id);
  await page.goBack();
  await page.getByRole("button", { name: "Edit Billing bot" }).click();
  assert.equal(await page.getByLabel("LLM websocket URL").inputValue(), "wss://llm.example.test/retell");
  await page.getByLabel("Name").fill("Billing bot v2");
  await page.getByLabel("Max call duration (ms)").fill("120000");
  await page.getByRole("button", { name: "Save agent" }).click();
  await page.locator("tr", { hasText: "Billing bot v2" }).waitFor();
  const edited = await api("GET", `/get-agent/${id}`);
  assert.equal(edited.json.agent_name, "Billing bot v2");
  assert.equal(edited.json.max_call_duration_ms, 120000);

  await page.getByRole("button", { name: "Test call to Billing bot v2" }).click();
  const started = page.locator(".test-call-result a code").first();
  await started.waitFor();
  const callId = await started.innerText();
  const call = await api("GET", `/v2/get-call/${callId}`);
  assert.equal(call.status, 200);
  assert.equal(call.json.call_type, "web_call");
  assert.equal(call.json.agent_id, id);

  // The test call is live: its page follows it, and an operator can stop it from there.
  await page.locator(".test-call-result a").first().click();
  await page.getByTestId("call-status").waitFor();
  assert.equal(await page.getByTestId("call-status").innerText(), "registered");
  await page.getByRole("button", { name: `Stop call ${callId}` }).click();
  await page.getByRole("button", { name: "Yes, stop call" }).click();
  await page.waitForFunction(`document.querySelector("[data-testid=call-reason]")?.textContent === "manual_stopped"`, undefined, { timeout: STEP_MS });
  assert.equal(await page.getByTestId("call-status").innerText(), "ended");
  assert.match(await page.getByTestId("fault").innerText(), /operator/);
  assert.equal((await api("GET", `/v2/get-call/${callId}`)).json.disconnection_reason, "manual_stopped");
  await page.getByRole("link", { name: "Agents" }).click();

  await page.getByRole("button", { name: "Delete Billing bot v2" }).click();
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await page.getByText("Deleted agent Billing bot v2.").waitFor();
  // The list reloads after the notice shows: wait for the row to go rather than racing it.
  await page.locator("tr", { hasText: "Billing bot v2" }).waitFor({ state: "detached" });
  assert.equal((await api("GET", `/get-agent/${id}`)).status, 404);
  await page.context().close();
});

test("numbers: import a SIP trunk number, edit it, delete it, import it again and re-import it", { skip, timeout: 60_000 }, async () => {
  const page = await openPage();
  await page.getByRole("link", { name: "Phone numbers" }).click();
  const num = "+14155550177";
  const fill = async (uri: string) => {
    await page.getByRole("button", { name: "Import number" }).click();
    await page.getByLabel("Phone number (E.164)").fill(num);
    await page.getByLabel("Termination URI").fill(uri);
    await page.getByLabel("Transport").selectOption("TCP");
    await page.getByLabel("Trunk auth username").fill("trunkuser");
    await page.getByLabel("Trunk auth password").fill("s3cret");
    await page.getByLabel("Outbound agent").selectOption(agentId);
  };
  await fill("bad uri with spaces");
  await page.locator("form").getByRole("button", { name: "Import number" }).click();
  await page.locator("#num-uri-error").waitFor();
  assert.match(await page.locator("#num-uri-error").innerText(), /termination_uri/);
  await screenshot(page, "07-number-field-error");
  await page.getByLabel("Termination URI").fill("sip.trunk.example.test:5060");
  await page.locator("form").getByRole("button", { name: "Import number" }).click();
  await page.getByText(`Imported ${num}.`).waitFor();
  const row = page.locator(`tr[data-number="${num}"]`);
  await page.locator(`tr[data-number="${num}"]`, { hasText: "Front desk" }).waitFor();
  assert.match(await row.innerText(), /sip\.trunk\.example\.test:5060 \(TCP\)/);
  const imported = await api("GET", `/get-phone-number/${encodeURIComponent(num)}`);
  assert.deepEqual(imported.json.sip_outbound_trunk_config, { termination_uri: "sip.trunk.example.test:5060", auth_username: "trunkuser", transport: "TCP" });

  // Importing it twice is refused, with the message next to the number.
  await fill("sip.trunk.example.test:5060");
  await page.locator("form").getByRole("button", { name: "Import number" }).click();
  await page.locator("#num-number-error").waitFor();
  assert.match(await page.locator("#num-number-error").innerText(), /already registered/);
  await page.getByRole("button", { name: "Cancel" }).click();

  await page.getByRole("button", { name: `Edit ${num}` }).click();
  await page.getByLabel("Nickname").fill("Main line");
  await page.getByLabel("Transport").selectOption("UDP");
  await page.getByRole("button", { name: "Save number" }).click();
  await page.getByText(`Saved ${num}.`).waitFor();
  await page.locator(`tr[data-number="${num}"]`, { hasText: "Main line" }).waitFor();
  assert.equal(((await api("GET", `/get-phone-number/${encodeURIComponent(num)}`)).json.sip_outbound_trunk_config as { transport: string }).transport, "UDP");

  await page.getByRole("button", { name: `Delete ${num}` }).click();
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await page.getByText(`Deleted ${num}.`).waitFor();
  await row.waitFor({ state: "detached" });
  assert.equal((await api("GET", `/get-phone-number/${encodeURIComponent(num)}`)).status, 404);

  await fill("sip.trunk2.example.test");
  await page.locator("form").getByRole("button", { name: "Import number" }).click();
  await page.getByText(`Imported ${num}.`).waitFor();
  await row.waitFor();

  const before = (await api("GET", `/get-phone-number/${encodeURIComponent(num)}`)).json.last_modification_timestamp as number;
  await page.getByRole("button", { name: `Delete and re-import ${num}` }).click();
  assert.equal(await page.getByLabel("Termination URI").inputValue(), "sip.trunk2.example.test");
  await page.getByLabel("Trunk auth password").fill("n3w-secret");
  await page.locator("form").getByRole("button", { name: "Delete and re-import" }).click();
  await page.getByText(`Re-imported ${num}.`).waitFor();
  const after = (await api("GET", `/get-phone-number/${encodeURIComponent(num)}`)).json;
  assert.equal((after.sip_outbound_trunk_config as { termination_uri: string }).termination_uri, "sip.trunk2.example.test");
  assert.ok((after.last_modification_timestamp as number) >= before);
  const stored = await p.parley.store.phoneNumbers.get(p.parley.defaultWorkspace.id, num);
  assert.equal(stored?.authPassword, "n3w-secret");
  await screenshot(page, "08-numbers");
  await page.context().close();
});

test("a 375 px screen: nav wraps, the table becomes cards, nothing scrolls sideways", { skip, timeout: 60_000 }, async () => {
  const page = await openPage(375, 812);
  // Earlier tests may have added a test call, so wait for the list rather than a count.
  await page.locator("table.calls tbody tr").first().waitFor();
  const overflow = await inPage<number>(page, SIDEWAYS);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  assert.ok(((await page.locator("table.calls thead").boundingBox())?.height ?? 0) <= 1, "the header row is visually hidden");
  assert.equal(await inPage(page, `getComputedStyle(document.querySelector("table.calls tbody tr")).display`), "block");
  for (const name of ["Calls", "Agents", "Phone numbers", "Reasons"]) assert.equal(await page.getByRole("link", { name, exact: true }).isVisible(), true, name);
  await screenshot(page, "09-narrow-calls");
  await screenshot(page, "09-narrow-calls-top", false);
  await page.locator("table.calls tbody tr").first().scrollIntoViewIfNeeded();
  await screenshot(page, "09-narrow-calls-rows", false);
  const busy = seeded.find((c) => c.reason === "marked_as_spam")!;
  await page.goto(`${p.url}/#/calls/${busy.callId}`);
  await page.getByTestId("call-reason").waitFor();
  await page.locator(".ladder-svg g.arrow").first().waitFor();
  const detailOverflow = await inPage<number>(page, SIDEWAYS);
  assert.ok(detailOverflow <= 0, `detail page scrolls sideways by ${detailOverflow}px (the ladder scrolls inside its box)`);
  const ladderOverflow = await inPage<number>(page, `(() => { const b = document.querySelector(".ladder .scroll"); return b.scrollWidth - b.clientWidth; })()`);
  assert.ok(ladderOverflow <= 0, `a two-party ladder fits a phone screen (overflows by ${ladderOverflow}px)`);
  await screenshot(page, "10-narrow-detail");
  await screenshot(page, "10-narrow-detail-top", false);
  await page.locator(".ladder-svg").scrollIntoViewIfNeeded();
  await screenshot(page, "10-narrow-detail-ladder", false);
  await page.context().close();
});

test("the Reasons page lists the whole catalogue", { skip, timeout: 30_000 }, async () => {
  const page = await openPage();
  await page.getByRole("link", { name: "Reasons" }).click();
  await page.locator("#reason-dial_failed").waitFor();
  assert.equal(await page.locator("table.reasons tbody tr").count(), REASON_CATALOGUE.length);
  await page.context().close();
});

test("a key revoked mid-session sends the user back to sign-in with the server's message", { skip, timeout: 30_000 }, async () => {
  const store = p.parley.store;
  const ws = p.parley.defaultWorkspace.id;
  const second = "key_second_" + "x".repeat(20);
  const created = await store.apiKeys.create(ws, second, { name: "dashboard test", isWebhookKey: false });
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  await signIn(page, p.url, second);
  // Let the Calls page finish its requests first, so the refusal comes from the next action.
  await page.locator("table.calls tbody tr").first().waitFor();
  await page.getByTestId("concurrency").waitFor();
  await page.waitForLoadState("networkidle");
  assert.equal(await store.apiKeys.revoke(created.id), true);
  await page.getByRole("link", { name: "Agents" }).click();
  const alert = page.locator("#signin-error");
  await alert.waitFor();
  assert.match(await alert.innerText(), /invalid API key/);
  assert.equal(await inPage(page, `sessionStorage.getItem("parley.apiKey")`), null);
  await ctx.close();
});
