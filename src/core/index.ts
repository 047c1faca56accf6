export * from "./reasons.js";
export * from "./call-end.js";
export * from "./call-event.js";
export * from "./call-record.js";
export * from "./destination.js";
export * from "./ids.js";
export * from "./audio-leg.js";
export * from "./warm-transfer.js";
