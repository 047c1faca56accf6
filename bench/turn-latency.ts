/**
 * Platform turn latency: from the end of user speech in the injected audio to the first agent
 * audio handed to the leg, with an instant LLM server, the embedded TTS (espeak-ng) and an ASR
 * stand-in that answers at once (`--asr pocketsphinx` uses the embedded recogniser with a grammar
 * instead, and its time shows in the asr column). Breakdown: endpointing wait (speech end → turn decided, includes the
 * VAD's hangover), ASR, LLM round trip, TTS first audio, and platform overhead = the rest.
 *
 *   node --import tsx bench/turn-latency.ts [--turns 20] [--asr pocketsphinx]
 */
import { pathToFileURL } from "node:url";
import type { TurnTiming } from "../src/conversation/conversation.js";
import { grammarFromPhrases } from "../src/conversation/jsgf.js";
import { PocketsphinxAsr } from "../src/conversation/pocketsphinx-asr.js";
import { fakeLlmServer } from "../test/llm-socket/fake-llm-server.js";
import { speech8k } from "../test/conversation/fake-leg.js";
import { harness, ScriptedAsr } from "../test/conversation/harness.js";

interface Row {
  readonly total: number;
  readonly endpoint: number;
  readonly asr: number;
  readonly llm: number;
  readonly tts: number;
  readonly overhead: number;
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

/** Where the speech in a clip ends (last sample above -40 dBFS), in ms. */
function speechEndMs(pcm: Int16Array, rate: number): number {
  for (let i = pcm.length - 1; i >= 0; i--) if (Math.abs(pcm[i] as number) > 328) return ((i + 1) * 1000) / rate;
  return 0;
}

/** Runs the benchmark and prints the table; returns the rows. */
export async function runTurnLatencyBench(turns = 20, asrKind: "instant" | "pocketsphinx" = "instant"): Promise<Row[]> {
  const srv = await fakeLlmServer((c) => {
    c.send({ response_type: "response", response_id: 0, content: "", content_complete: true });
    c.ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as { interaction_type: string; response_id?: number };
      if (f.interaction_type === "response_required") c.send({ response_type: "response", response_id: f.response_id, content: "Okay.", content_complete: true });
    });
  });
  const clip = speech8k("I would like to book a table");
  const clipEnd = speechEndMs(clip, 8000);
  const phrase = "i would like to book a table";
  const asr = asrKind === "pocketsphinx" ? new PocketsphinxAsr({ jsgf: grammarFromPhrases([phrase, "yes", "no", "goodbye"]) }) : new ScriptedAsr(phrase);
  const h = await harness({ url: srv.url, asr, agent: { responsiveness: 1, end_call_after_silence_ms: 600_000 } });
  const rows: Row[] = [];
  try {
    await srv.conn(1);
    for (let i = 0; i < turns; i++) {
      const before = h.timings.length;
      await h.leg.play(clip);
      const speechEndAt = (h.leg.playbackStartedAt ?? NaN) + clipEnd;
      await h.leg.until(() => h.timings.length > before && h.leg.queuedMs === 0, 10_000, `turn ${i + 1}`);
      const t = h.timings[before] as TurnTiming;
      const total = t.firstAudioAt - speechEndAt;
      const endpoint = t.turnEndAt - speechEndAt;
      rows.push({ total, endpoint, asr: t.asrMs, llm: t.llmMs, tts: t.ttsMs, overhead: total - endpoint - t.asrMs - t.llmMs - t.ttsMs });
    }
  } finally {
    await h.stop();
    await srv.close();
  }
  const cols: (keyof Row)[] = ["total", "endpoint", "asr", "llm", "tts", "overhead"];
  console.log(`turns: ${rows.length} (responsiveness 1 → 500 ms endpointing; ASR ${asrKind}; espeak-ng TTS; instant LLM over loopback)`);
  console.log(["ms", ...cols].map((c) => c.padStart(9)).join(""));
  for (const p of [50, 95]) console.log([`p${p}`, ...cols.map((c) => pct(rows.map((r) => r[c]), p).toFixed(1))].map((c) => c.padStart(9)).join(""));
  const o95 = pct(rows.map((r) => r.overhead), 95);
  console.log(`platform overhead p95 ${o95.toFixed(1)} ms (goal < 20 ms): ${o95 < 20 ? "met" : "NOT met"}`);
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const i = process.argv.indexOf("--turns");
  const a = process.argv.indexOf("--asr");
  await runTurnLatencyBench(i > 0 ? Number(process.argv[i + 1]) : 20, a > 0 && process.argv[a + 1] === "pocketsphinx" ? "pocketsphinx" : "instant");
}
