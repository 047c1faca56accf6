import { WebSocket } from "ws";

/** True while the socket can still send. */
export function isOpen(ws: WebSocket): boolean {
  return ws.readyState === WebSocket.OPEN;
}

/** A close reason that fits the 123-byte limit of a close frame. */
export function closeReason(text: string): string {
  const buf = Buffer.from(text, "utf8");
  return buf.length <= 123 ? text : buf.subarray(0, 120).toString("utf8").replace(/\uFFFD$/, "");
}
