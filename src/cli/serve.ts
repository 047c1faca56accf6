import pc from "picocolors";
import { ConfigError, loadConfig } from "../app/config.js";
import { createLogger } from "../app/logger.js";
import { startParley } from "../app/parley.js";

/** `parley serve`: runs the platform until SIGINT/SIGTERM. */
export async function serve(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${pc.red("configuration error")} ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const parley = await startParley(config, { logger });
  if (parley.generatedApiKey) {
    // Printed once, on stderr, never through the logger.
    process.stderr.write(`\n${pc.bold("Parley API key")} (shown only now; keep it): ${pc.green(parley.generatedApiKey)}\n\n`);
  }
  process.stderr.write(`${pc.bold("Parley")} listening on ${parley.url} (dashboard ${parley.url}/, API docs ${parley.url}/docs)\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    parley.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: String(err) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}
