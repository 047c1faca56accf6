/** The store's public entry point. */
export { openStore, defaultSqlitePath } from "./open-store.js";
export { callPageKey } from "./calls.js";
export { hashApiKey } from "./api-keys.js";
export { MAX_LIMIT } from "./page-key.js";
export * from "./types.js";
