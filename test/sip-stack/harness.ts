// Helpers for interop tests: free ports, bounded waits, and SIPp as a child process killed by PID.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Rejects when `p` has not settled within `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** A port free for both UDP and TCP on `host` right now. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    const okTcp = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, host, () => s.close(() => resolve(true)));
    });
    if (!okTcp) continue;
    const okUdp = await new Promise<boolean>((resolve) => {
      const s = createSocket("udp4");
      s.once("error", () => { s.close(); resolve(false); });
      s.bind(port, host, () => s.close(() => resolve(true)));
    });
    if (okUdp) return port;
  }
  throw new Error("no free port found");
}

/** True when the `sipp` binary runs. */
export function haveSipp(): boolean {
  const r = spawnSync("sipp", ["-v"], { encoding: "utf8", timeout: 5000 });
  return r.error === undefined && /SIPp/.test(`${r.stdout}${r.stderr}`);
}

export interface SippRun {
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
  readonly child: ChildProcess;
  /** Kills SIPp by its PID (if still running) and removes its scratch directory. */
  stop(): Promise<void>;
}

/** Starts SIPp in a scratch directory; its output is collected for diagnostics. */
export function startSipp(args: readonly string[], timeoutMs = 20_000): SippRun {
  const dir = mkdtempSync(join(tmpdir(), "parley-sipp-"));
  const child = spawn("sipp", [...args, "-nostdin", "-trace_err"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => { output += d.toString(); if (output.length > 200_000) output = output.slice(-100_000); });
  child.stderr?.on("data", (d: Buffer) => { output += d.toString(); });
  const kill = setTimeout(() => { if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGKILL"); }, timeoutMs);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => {
    child.once("exit", (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, output });
    });
    child.once("error", (err) => {
      clearTimeout(kill);
      resolve({ code: null, signal: null, output: `${output}\n${err.message}` });
    });
  });
  return {
    exit,
    child,
    async stop() {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, "SIGTERM");
        await within(exit, 5000, "SIPp to exit").catch(() => { if (child.pid !== undefined) process.kill(child.pid, "SIGKILL"); });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Directory of the scenario XML files. */
export const SCENARIOS = new URL("./scenarios/", import.meta.url).pathname;
