import { createHook } from "node:async_hooks";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Handle types a leak shows up as: timers, sockets, servers, UDP ports, child processes, pipes,
 * file watchers. Promises and one-shot requests are left out (they are not resources that stay).
 */
const TRACKED = new Set(["Timeout", "Immediate", "TCPWRAP", "TCPSERVERWRAP", "UDPWRAP", "PROCESSWRAP", "PIPEWRAP", "PIPESERVERWRAP", "FSEVENTWRAP", "SIGNALWRAP", "TTYWRAP"]);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
/** Deep enough to get from node's internals and ws/undici frames up to the repo's code. */
const STACK_FRAMES = 25;

/** What a ledger holds while it is open. */
export interface HandleLedger {
  /**
   * Handles created since the ledger started and not destroyed yet, counted by type and creation
   * site: `"Timeout src/sip/timers.ts:71"` (the innermost frame in the repo outside
   * node_modules; `?` when the stack has none).
   */
  alive(): Map<string, number>;
  /** Stops recording. */
  stop(): void;
}

/** The innermost `path:line` of a stack inside the repo, outside node_modules and this file. */
function siteOf(stack: string | undefined): string {
  for (const m of (stack ?? "").matchAll(/\(?((?:file:\/\/)?\/[^\s():]+):(\d+):\d+\)?$/gm)) {
    const file = m[1]!.startsWith("file://") ? fileURLToPath(m[1]!) : m[1]!;
    if (file === SELF) continue;
    const rel = relative(ROOT, file);
    if (!rel.startsWith("..") && !rel.includes("node_modules")) return `${rel}:${m[2]}`;
  }
  return "?";
}

/**
 * Records every tracked handle created from now on, with where it was created, and forgets it
 * when it is destroyed. Unlike process.getActiveResourcesInfo() it also sees unref()ed timers and
 * sockets, which keep no process alive but still leak memory and ports.
 */
export function startHandleLedger(): HandleLedger {
  // The Error objects are kept unformatted: V8 builds the stack text only for the few read.
  const live = new Map<number, { type: string; origin: Error }>();
  const hook = createHook({
    init(asyncId, type) {
      if (!TRACKED.has(type)) return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = STACK_FRAMES;
      live.set(asyncId, { type, origin: new Error() });
      Error.stackTraceLimit = limit;
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });
  hook.enable();
  return {
    alive() {
      const m = new Map<string, number>();
      for (const { type, origin } of live.values()) {
        const key = `${type} ${siteOf(origin.stack)}`;
        m.set(key, (m.get(key) ?? 0) + 1);
      }
      return m;
    },
    stop: () => hook.disable(),
  };
}
