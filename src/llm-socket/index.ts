export { LlmSocket, type LlmSocketState, type TranscriptInput, type RequestInput, type UpdateInput } from "./llm-socket.js";
export type { LlmSocketEvent, LlmSocketEventType, LlmServerConfig, SpeechActions, AgentConfigUpdate, DropCause } from "./events.js";
export { RETELL_TIMING, socketUrl, type LlmSocketOptions, type LlmSocketTiming } from "./options.js";
export { validateFrame, type Validation } from "./validate.js";
export type * from "./messages.js";
export { logEntryFor, type LlmLogEntry } from "./log-entry.js";
export { RttStats } from "./rtt-stats.js";
