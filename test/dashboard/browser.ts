/** Test support for the dashboard: an up-to-date bundle, Debian's Chromium, sign-in, screenshots. */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = join("test-artifacts", "dashboard");

/** Builds dist/dashboard when missing or older than dashboard/ (scripts/build-if-stale.mjs). */
export function ensureDashboardBuilt(timeoutMs = 180_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/build-if-stale.mjs"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
      reject(new Error(`dashboard build took over ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0 && existsSync("dist/dashboard/index.html")) resolve();
      else reject(new Error(`dashboard build failed (exit ${code}):\n${out}`));
    });
  });
}

/** Headless Debian Chromium with the flags that keep it off the network (spec/tooling.md recipe 11). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...extraArgs],
  });
}

/** Chromium flags for a fake microphone (a built-in beep, or `wav` looped) and unprompted audio. */
export function fakeMediaArgs(wav?: string): string[] {
  return ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", ...(wav ? [`--use-file-for-fake-audio-capture=${wav}`] : []), "--autoplay-policy=no-user-gesture-required"];
}

/** Saves a screenshot (the whole page unless `fullPage` is false) under test-artifacts/dashboard/. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Opens the dashboard and signs in with `key`; resolves once the Calls page shows. */
export async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(url + "/");
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Calls", level: 1 }).waitFor();
}
