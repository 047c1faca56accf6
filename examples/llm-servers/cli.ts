/**
 * Command-line plumbing shared by the sample servers: flags, the startup line, clean shutdown.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { RunningServer } from "./protocol-server.js";

/** True when this module is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(script).href === moduleUrl;
}

/** Parses `--port` and `--host` plus the server's own string flags. */
export function cliFlags<K extends string>(extra: readonly K[]): { port: number; host: string } & Partial<Record<K, string>> {
  const options: Record<string, { type: "string" }> = { port: { type: "string" }, host: { type: "string" } };
  for (const k of extra) options[k] = { type: "string" };
  const { values } = parseArgs({ options, strict: true });
  const port = Number(values["port"] ?? process.env["PORT"] ?? 8081);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${String(values["port"])}`);
  return { ...(values as Partial<Record<K, string>>), port, host: (values["host"] as string | undefined) ?? "127.0.0.1" };
}

/** Prints where the server listens and closes it on Ctrl-C / SIGTERM. */
export function announce(name: string, server: RunningServer): void {
  console.log(`${name} listening: set the agent's llm_websocket_url to ${server.url}`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
