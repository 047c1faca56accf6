// The smallest backend for a web call: serves index.html and, on POST /create-web-call, asks
// Parley for a call with the API key (which must stay on the server) and returns the token.
//
//   PARLEY_URL=http://127.0.0.1:8080 PARLEY_API_KEY=key_… AGENT_ID=agent_… \
//     node --import tsx examples/web-call/server.ts      # then open http://127.0.0.1:3000
import { createServer } from "node:http";
import { readFileSync } from "node:fs";

const parleyUrl = (process.env.PARLEY_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
const apiKey = process.env.PARLEY_API_KEY;
const agentId = process.env.AGENT_ID;
const port = Number(process.env.PORT ?? 3000);
if (!apiKey || !agentId) {
  console.error("set PARLEY_API_KEY and AGENT_ID (and PARLEY_URL if Parley is not on 127.0.0.1:8080)");
  process.exit(2);
}
const page = readFileSync(new URL("index.html", import.meta.url));

createServer((req, res) => {
  void (async () => {
    if (req.method === "GET" && req.url === "/") return void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    if (req.method === "GET" && req.url === "/config") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ parleyUrl }));
    if (req.method === "POST" && req.url === "/create-web-call") {
      const r = await fetch(`${parleyUrl}/v2/create-web-call`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ agent_id: agentId }),
      });
      // The call must be joined within 30 s of this (error_user_not_joined otherwise).
      return void res.writeHead(r.status, { "content-type": "application/json" }).end(await r.text());
    }
    res.writeHead(404).end();
  })().catch((err: unknown) => res.writeHead(502).end(String(err)));
}).listen(port, "127.0.0.1", () => console.log(`open http://127.0.0.1:${port}/`));
