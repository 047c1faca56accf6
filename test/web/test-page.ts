// The page the browser test loads: one helper per client library, each running a whole call and
// reporting what the page saw (events, the agent's playback level via an AnalyserNode).

const MEASURE = `
async function listen(analyser, events, maxMs) {
  const buf = new Float32Array(analyser.fftSize);
  let max = 0, lastLoud = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < maxMs) {
    analyser.getFloatTimeDomainData(buf);
    let s = 0;
    for (const v of buf) s += v * v;
    const rms = Math.sqrt(s / buf.length);
    if (rms > 0.02) lastLoud = performance.now();
    max = Math.max(max, rms);
    // Done once the agent's audio has played and gone quiet again.
    if (max > 0.05 && performance.now() - lastLoud > 400) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return max;
}
function record(client, names, events) {
  for (const n of names) client.on(n, (x) => events.push(n === "error" ? "error:" + String(x) : n));
}
/** The loudest the analyser (looked up each tick: it may appear later) heard until stop(). */
function meter(getAnalyser) {
  let buf;
  let level = 0;
  const timer = setInterval(() => {
    const analyser = getAnalyser();
    if (!analyser) return;
    buf ??= new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(buf);
    let s = 0;
    for (const v of buf) s += v * v;
    level = Math.max(level, Math.sqrt(s / buf.length));
  }, 20);
  return { stop() { clearInterval(timer); return level; } };
}
/** Watches transcript updates; resolves once a user turn has an agent answer after it. */
function replyWatcher(events) {
  let transcript = [];
  let replied;
  const done = new Promise((r) => (replied = r));
  return {
    done,
    get transcript() { return transcript; },
    onUpdate(u) {
      events.push("update");
      transcript = u.transcript ?? transcript;
      const iUser = transcript.findIndex((t) => t.role === "user" && t.content.trim() !== "");
      if (iUser >= 0 && transcript.slice(iUser + 1).some((t) => t.role === "agent")) replied();
    },
  };
}
`;

/** HTML of the test page; `/parley-web.js` and `/retell.js` are served next to it. */
export const TEST_PAGE = `<!doctype html><meta charset="utf-8"><title>parley web-call test</title>
<script type="module">
import { ParleyWebClient } from "/parley-web.js";
import { RetellWebClient } from "/retell.js";
${MEASURE}
window.runParley = async ({ baseUrl, accessToken, maxMs }) => {
  const c = new ParleyWebClient({ baseUrl });
  const events = [];
  record(c, ["call_started", "call_ended", "agent_start_talking", "agent_stop_talking", "update", "metadata", "error"], events);
  const ended = new Promise((r) => c.on("call_ended", r));
  await c.startCall({ accessToken, sampleRate: 24000 });
  const level = await listen(c.agentAnalyser, events, maxMs);
  c.stopCall();
  const end = await ended;
  return { events, level, end };
};
window.runRetell = async ({ endpoint, callId, maxMs }) => {
  const c = new RetellWebClient(endpoint);
  const events = [];
  record(c, ["conversationStarted", "conversationEnded", "agentStartTalking", "agentStopTalking", "update", "metadata", "error"], events);
  const started = new Promise((r) => c.on("conversationStarted", r));
  const ended = new Promise((r) => c.on("conversationEnded", r));
  await c.startConversation({ callId, sampleRate: 24000, enableUpdate: true });
  // 1.3.3's worklet throws, and stops for good, on a render quantum without an input channel (it
  // can run before the microphone is connected): the test sees that as "processorerror".
  c.audioNode.onprocessorerror = () => events.push("processorerror");
  await started;
  await new Promise((r) => setTimeout(r, 50));
  if (events.includes("processorerror")) {
    const ended = new Promise((r) => c.on("conversationEnded", r));
    c.stopConversation();
    await ended;
    return { events, level: 0, end: null };
  }
  // The 1.3.3 client plays through its own worklet node; tap it for the level.
  const analyser = c.audioContext.createAnalyser();
  analyser.fftSize = 2048;
  c.audioNode.connect(analyser);
  const level = await listen(analyser, events, maxMs);
  c.stopConversation();
  const end = await ended;
  return { events, level, end };
};
window.runConversation = async ({ baseUrl, accessToken, maxMs }) => {
  const c = new ParleyWebClient({ baseUrl });
  const events = [];
  record(c, ["call_started", "call_ended", "agent_start_talking", "agent_stop_talking", "metadata", "error"], events);
  const watch = replyWatcher(events);
  c.on("update", (u) => watch.onUpdate(u));
  const ended = new Promise((r) => c.on("call_ended", r));
  await c.startCall({ accessToken, sampleRate: 24000 });
  const m = meter(() => c.agentAnalyser);
  const outcome = await Promise.race([watch.done.then(() => "replied"), ended.then(() => "ended"), new Promise((r) => setTimeout(() => r("timeout"), maxMs))]);
  // Let the reply play out before hanging up.
  if (outcome === "replied") await new Promise((r) => { const off = c.on("agent_stop_talking", () => { off(); r(); }); setTimeout(r, 8000); });
  const level = m.stop();
  c.stopCall();
  const end = await ended;
  return { events, level, transcript: watch.transcript, outcome, end };
};
window.runRetellConversation = async ({ endpoint, callId, maxMs }) => {
  const c = new RetellWebClient(endpoint);
  const events = [];
  record(c, ["conversationStarted", "conversationEnded", "agentStartTalking", "agentStopTalking", "metadata", "error"], events);
  const watch = replyWatcher(events);
  c.on("update", (u) => watch.onUpdate(u));
  const started = new Promise((r) => c.on("conversationStarted", r));
  const ended = new Promise((r) => c.on("conversationEnded", r));
  await c.startConversation({ callId, sampleRate: 24000, enableUpdate: true });
  c.audioNode.onprocessorerror = () => events.push("processorerror");
  await started;
  await new Promise((r) => setTimeout(r, 50));
  if (events.includes("processorerror")) {
    c.stopConversation();
    await ended;
    return { events, level: 0, transcript: watch.transcript, outcome: "processorerror", end: null };
  }
  const analyser = c.audioContext.createAnalyser();
  analyser.fftSize = 2048;
  c.audioNode.connect(analyser);
  const m = meter(() => analyser);
  const outcome = await Promise.race([watch.done.then(() => "replied"), ended.then(() => "ended"), new Promise((r) => setTimeout(() => r("timeout"), maxMs))]);
  if (outcome === "replied") await new Promise((r) => { c.on("agentStopTalking", r); setTimeout(r, 8000); });
  const level = m.stop();
  c.stopConversation();
  const end = await ended;
  return { events, level, transcript: watch.transcript, outcome, end };
};
window.pageReady = true;
</script>`;
