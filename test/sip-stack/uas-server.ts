// A bare answering UAS on Parley's stack, for load runs (e.g. /work/shared/bench/sip-cps/cps.sh):
//   node --import tsx test/sip-stack/uas-server.ts --ip 127.0.0.1 --port 5090
// Answers INVITE with 200 + a PCMU SDP, BYE/OPTIONS with 200; stores nothing. SIGTERM closes it.
import { parseArgs } from "node:util";
import { createSipStack } from "../../src/sip/stack.js";

const { values } = parseArgs({ options: { ip: { type: "string", default: "127.0.0.1" }, port: { type: "string", default: "5090" } } });
const host = values.ip ?? "127.0.0.1";
const stack = createSipStack({ host, port: Number(values.port) });
const sdp = `v=0\r\no=- 1 1 IN IP4 ${host}\r\ns=-\r\nc=IN IP4 ${host}\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;
stack.onRequest((tx) => {
  if (tx.request.method === "INVITE") tx.respond(200, "OK", { headers: [["Contact", stack.contact(tx.source.transport)]], contentType: "application/sdp", body: sdp });
  else tx.respond(200, "OK");
});
await stack.listen();
console.log(`parley uas on ${host}:${stack.addresses.udp?.port} (pid ${process.pid})`);
process.once("SIGTERM", () => void stack.close().then(() => process.exit(0)));
process.once("SIGINT", () => void stack.close().then(() => process.exit(0)));
