import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { loadConfig } from "../../src/app/config.js";
import { createLogger } from "../../src/app/logger.js";
import { startParley, type RunningParley } from "../../src/app/parley.js";
import type { OutboundDialer } from "../../src/calls/call-service.js";
import type { LegRunner } from "../../src/calls/call-session.js";

export interface TestParley {
  readonly parley: RunningParley;
  readonly url: string;
  readonly apiKey: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** Starts a whole Parley in this process on a free port with a scratch data dir. */
export async function startTestParley(opts: { env?: Record<string, string>; dialer?: OutboundDialer; legRunner?: LegRunner; keepDataDir?: string } = {}): Promise<TestParley> {
  const dataDir = opts.keepDataDir ?? mkdtempSync(join(tmpdir(), "parley-test-"));
  const apiKey = "key_test_" + randomBytes(12).toString("hex");
  const config = loadConfig({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_HTTP_PORT: "0",
    PARLEY_SIP_PORT: "0",
    PARLEY_API_KEY: apiKey,
    PARLEY_LOG_LEVEL: process.env.PARLEY_TEST_LOG_LEVEL ?? "silent",
    PARLEY_NODE_ID: "test-" + randomBytes(4).toString("hex"),
    ...opts.env,
  });
  const parley = await startParley(config, {
    logger: createLogger(config.logLevel),
    ...(opts.dialer ? { dialer: opts.dialer } : {}),
    ...(opts.legRunner ? { legRunner: opts.legRunner } : {}),
  });
  return {
    parley,
    url: parley.url,
    apiKey,
    dataDir,
    async close() {
      await parley.close();
      if (!opts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A dialer that leaves the call ringing until something else ends it (API tests need live calls). */
export const holdingDialer: OutboundDialer = {
  dial(session) {
    session.stamp({ invite: Date.now() });
  },
};
