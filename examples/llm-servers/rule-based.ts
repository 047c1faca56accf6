/**
 * A sample custom-LLM server with fixed rules, for trying Parley without any model:
 *
 *   node --import tsx examples/llm-servers/rule-based.ts --port 8081
 *
 * It greets, repeats what the caller said, presses a digit on "press 5", transfers on "transfer"
 * (to TRANSFER_NUMBER) and hangs up on "goodbye".
 */
import { announce, cliFlags, isMain } from "./cli.js";
import { emitReply, serve, type Responder, type RunningServer } from "./protocol-server.js";

export interface RuleBasedOptions {
  readonly port: number;
  readonly host?: string;
  /** Where "transfer" sends the call; defaults to the TRANSFER_NUMBER environment variable. */
  readonly transferNumber?: string;
  /** The begin message; "" makes the agent wait for the caller. */
  readonly beginMessage?: string;
  readonly log?: (line: string) => void;
}

const DEFAULT_BEGIN = "Hello! This is the Parley sample agent. Say anything and I will repeat it.";

/** The rules, in order: silence, goodbye, transfer, press a digit, echo. */
export function ruleBasedResponder(opts: Pick<RuleBasedOptions, "transferNumber" | "beginMessage"> = {}): Responder {
  const transferNumber = opts.transferNumber ?? process.env["TRANSFER_NUMBER"];
  return {
    begin: () => opts.beginMessage ?? process.env["BEGIN_MESSAGE"] ?? DEFAULT_BEGIN,
    async respond(req, emit) {
      if (req.kind === "reminder_required") {
        emitReply(emit, "Are you still there? I'm listening.");
        return;
      }
      const lastUser = [...req.transcript].reverse().find((u) => u.role === "user")?.content.trim() ?? "";
      if (lastUser === "") {
        emitReply(emit, "Hi there! What would you like to say?");
      } else if (/\b(good ?bye|bye|hang up)\b/i.test(lastUser)) {
        emitReply(emit, "Goodbye, and thanks for calling!", { endCall: true });
      } else if (/\btransfer\b/i.test(lastUser)) {
        if (transferNumber) emitReply(emit, "Sure, transferring you now.", { transferNumber });
        else emitReply(emit, "I would transfer you, but no transfer number is configured.");
      } else if (/\bpress\s+([0-9*#])/i.test(lastUser)) {
        const digit = /\bpress\s+([0-9*#])/i.exec(lastUser)?.[1] ?? "";
        emitReply(emit, `Pressing ${digit} now.`, { digitToPress: digit });
      } else {
        emitReply(emit, `You said: ${lastUser}`);
      }
    },
  };
}

/** Starts the rule-based server; `url` is the agent's `llm_websocket_url`. */
export function start(opts: RuleBasedOptions): Promise<RunningServer> {
  return serve(ruleBasedResponder(opts), { port: opts.port, ...(opts.host ? { host: opts.host } : {}), ...(opts.log ? { log: opts.log } : {}) });
}

if (isMain(import.meta.url)) {
  const flags = cliFlags(["transfer-number", "begin-message"] as const);
  const server = await start({
    port: flags.port,
    host: flags.host,
    ...(flags["transfer-number"] ? { transferNumber: flags["transfer-number"] } : {}),
    ...(flags["begin-message"] !== undefined ? { beginMessage: flags["begin-message"] } : {}),
    log: (line) => console.log(line),
  });
  announce("rule-based LLM server", server);
}
