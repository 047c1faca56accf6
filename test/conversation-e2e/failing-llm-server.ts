/**
 * A custom-LLM websocket server that fails on purpose, run as its own process so a test can
 * SIGKILL it mid-call. The first path segment picks the failure; it strikes once the server has
 * Parley's `call_details`, i.e. in the middle of a connected call:
 *   /close1011/{call_id}      close with 1011 "llm crashed"
 *   /garbage-text/{call_id}   a text frame that is not JSON
 *   /garbage-event/{call_id}  valid JSON that is no event of the protocol
 *   /hold/{call_id}           nothing: the test kills this process
 *   /hold-reconnect/{call_id} the same, with `auto_reconnect` on: Parley pings, then redials a dead port
 * stdout, one line each: `port N` once listening, `call_details CALL_ID` per call.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

const http = createServer((_req, res) => res.writeHead(426).end());
const wss = new WebSocketServer({ server: http });

wss.on("connection", (ws, req) => {
  const [mode, callId] = (req.url ?? "").split("/").filter(Boolean);
  ws.on("error", () => {});
  ws.send(JSON.stringify({ response_type: "config", config: { auto_reconnect: mode === "hold-reconnect", call_details: true } }));
  ws.on("message", (data) => {
    const frame = JSON.parse(data.toString()) as { interaction_type?: string; timestamp?: number };
    if (frame.interaction_type === "ping_pong") ws.send(JSON.stringify({ response_type: "ping_pong", timestamp: frame.timestamp }));
    if (frame.interaction_type !== "call_details") return;
    process.stdout.write(`call_details ${callId}\n`);
    switch (mode) {
      case "close1011":
        ws.close(1011, "llm crashed");
        return;
      case "garbage-text":
        ws.send("{this is not json");
        return;
      case "garbage-event":
        ws.send(JSON.stringify({ response_type: "no_such_event", response_id: 1 }));
        return;
      default:
        return;
    }
  });
});

http.listen(0, "127.0.0.1", () => process.stdout.write(`port ${(http.address() as AddressInfo).port}\n`));
