// Helpers for interop tests: run a command-line tool with a time limit, and a scratch directory.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** True when `cmd` is on the PATH. */
export function haveTool(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).status === 0;
}

/** Runs a tool to completion (at most 30 s) and returns its standard output; throws on a non-zero exit. */
export function run(cmd: string, args: string[]): string {
  return runWithStderr(cmd, args).stdout;
}

/** Like `run`, also returning standard error (sox prints its statistics there). */
export function runWithStderr(cmd: string, args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary directory and its clean-up. */
export function scratch(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
