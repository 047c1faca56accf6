// Headless Chromium (spec/tooling.md recipe 11) with a spoken WAV as its microphone, and a local
// page server offering Parley's SDK and the unchanged retell-client-js-sdk 1.3.3.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { webSdkBundle } from "../../src/api/routes/audio-websocket.js";
import { TEST_PAGE } from "./test-page.js";

const CHROMIUM = "/usr/bin/chromium";

/** Why the browser tests cannot run here, if they cannot. */
export const browserMissing: string | undefined = !existsSync(CHROMIUM)
  ? "chromium is not installed (apt-get install -y chromium)"
  : !existsSync("/usr/bin/espeak-ng") || !existsSync("/usr/bin/sox")
    ? "espeak-ng and sox are needed (apt-get install -y espeak-ng sox)"
    : undefined;

export interface BrowserHarness {
  readonly browser: Browser;
  /** Opens the test page, ready to run `runParley` / `runRetell` / `runConversation`. */
  page(): Promise<Page>;
  close(): Promise<void>;
}

async function bundleRetell(): Promise<string> {
  const esbuild = await import("esbuild");
  const out = await esbuild.build({ stdin: { contents: 'export { RetellWebClient } from "retell-client-js-sdk";', resolveDir: process.cwd() }, bundle: true, format: "esm", platform: "browser", write: false });
  return out.outputFiles[0]?.text ?? "";
}

/** Starts the page server and Chromium; the microphone says `speech` (looped). */
export async function startBrowserHarness(speech: string): Promise<BrowserHarness> {
  const dir = mkdtempSync(join(tmpdir(), "parley-web-"));
  const spoken = join(dir, "spoken.wav");
  const wav = join(dir, "caller.wav");
  execFileSync("espeak-ng", ["-w", spoken, "-s", "150", speech]);
  // Chromium loops the file: silence around the sentence lets the agent's turn detector see it end.
  execFileSync("sox", [spoken, wav, "pad", "1", "4"]);
  const sdk = await webSdkBundle();
  const retell = await bundleRetell();
  if (!sdk || !retell) throw new Error("client bundles unavailable");
  const web = createServer((req, res) => {
    const body = req.url === "/" ? TEST_PAGE : req.url === "/parley-web.js" ? sdk : req.url === "/retell.js" ? retell : undefined;
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": req.url === "/" ? "text/html" : "text/javascript" }).end(body);
  });
  await new Promise<void>((r) => web.listen(0, "127.0.0.1", r));
  const pageUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}/`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${wav}`, "--autoplay-policy=no-user-gesture-required"],
  });
  return {
    browser,
    async page() {
      const page = await browser.newPage();
      await page.goto(pageUrl);
      await page.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true);
      return page;
    },
    async close() {
      await browser.close();
      await new Promise((r) => web.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
