/**
 * `npm run bench [name…]`: runs Parley's benchmarks and prints a table each. With no names, all.
 * Speed goals live here, never in tests; peers named by an issue run in the same benchmark so
 * the ratio is read from one run on this shared, noisy machine.
 */
type Bench = { name: string; what: string; run: () => Promise<void> };

const BENCHES: Bench[] = [
  { name: "store", what: "get-call / list-calls over 1,000,000 calls on SQLite", run: async () => (await import("./store.js")).runStoreBench() },
  { name: "store-writes", what: "CPU per call of storing an inbound call (record, updates, SIP log) on SQLite", run: async () => (await import("./store-writes.js")).runStoreWritesBench() },
  { name: "sip-parser", what: "Parley's SIP parser vs the `sip` npm package", run: async () => (await import("./sip-parser.js")).runSipParserBench() },
  { name: "sip-cps", what: "inbound SIP calls per second: Parley vs a bare `sip` npm UAS (SIPp ladder)", run: async () => (await import("./sip-cps.js")).runSipCpsBench() },
  { name: "sip-outbound", what: "outbound attempts per second through a trunk answering 486", run: async () => (await import("./sip-outbound.js")).runSipOutboundBench() },
  { name: "llm-socket", what: "custom-LLM websocket: open, first chunk, ping round trip", run: async () => (await import("../test/llm-socket/bench.js")).runLlmSocketBench() },
  { name: "turn-latency", what: "end of user speech → first agent audio (instant LLM, embedded TTS)", run: async () => {
    await (await import("./turn-latency.js")).runTurnLatencyBench();
  } },
  { name: "media", what: "concurrent connected calls on one core (G.711, 20 ms both ways, recording on; phones on another core)", run: async () => (await import("./media-rtp.js")).runMediaBench() },
];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; choose from ${BENCHES.map((b) => b.name).join(", ")}`);
  process.exit(2);
}
for (const b of BENCHES.filter((x) => wanted.length === 0 || wanted.includes(x.name))) {
  console.log(`\n== ${b.name}: ${b.what}`);
  await b.run();
}
