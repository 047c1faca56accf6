import type { LegRunner } from "../calls/call-session.js";
import { toWireCall } from "../calls/call-wire.js";
import type { ArtifactUrls } from "../calls/signed-urls.js";
import { createConversationRunner, type ConversationRunnerDeps } from "../conversation/index.js";

/** Runs the conversation engine on every connected leg and keeps its output on the call. */
export function conversationLegRunner(urls: ArtifactUrls, deps: ConversationRunnerDeps = {}): LegRunner {
  const start = createConversationRunner(deps);
  return (session, leg) => {
    const run = start({
      callId: session.callId,
      agentConfig: session.agent ?? {},
      leg,
      end: (e) => void session.end(e),
      log: (type, data) => session.log(type, data),
      transfer: (number) => session.transfer(number),
      warmTransfer: (req) => session.warmTransfer(req),
      // The conversation itself sends the web client its `update` events; the call keeps the record.
      onTranscript: (u) => session.transcriptUpdated({ transcript: u.transcript, transcriptObject: u.transcriptObject, transcriptWithToolCalls: u.transcriptWithToolCalls }),
      callDetails: () => toWireCall(session.record, urls),
    });
    return async () => {
      await run.stop();
      const r = run.results();
      session.update({ transcript: r.transcript, transcriptObject: r.transcriptObject, transcriptWithToolCalls: r.transcriptWithToolCalls, latency: r.latency });
    };
  };
}
