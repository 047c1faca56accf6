import { createServer } from "node:net";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";

/** A TCP port that was free a moment ago (bound then released). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const s = createServer();
  s.listen(0, host);
  await once(s, "listening");
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Resolves when `check` returns true, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 50): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export interface ParleyProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
}

/** Starts `parley serve` as a child process and waits for /health. */
export async function spawnParley(env: Record<string, string>, port: number): Promise<ParleyProcess> {
  const child = spawn(process.execPath, ["bin/parley.mjs", "serve"], {
    env: { ...process.env, PARLEY_HTTP_PORT: String(port), PARLEY_LOG_LEVEL: "warn", PARLEY_SIP_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once("exit", () => (exited = true));
  await waitFor("parley /health", async () => {
    if (exited) throw new Error(`parley exited early:\n${out}`);
    try {
      return (await fetch(url + "/health")).status === 200;
    } catch {
      return false;
    }
  }, 60_000, 100);
  return { child, url, output: () => out };
}
