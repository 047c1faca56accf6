import pino, { type Logger } from "pino";

/** Paths that may carry secrets; pino replaces them before anything is written. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "headers.authorization",
  "authorization",
  "apiKey",
  "api_key",
  "password",
  "authPassword",
  "auth_password",
  "sip_trunk_auth_password",
  "*.password",
  "*.authPassword",
  "*.auth_password",
  "*.sip_trunk_auth_password",
  "*.apiKey",
  "secretKey",
];

/** The process logger (JSON lines on stdout), with secrets redacted. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: { app: "parley" } }, destination ?? process.stdout);
}
