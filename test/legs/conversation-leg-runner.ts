// The conversation engine on a connected leg, wired as the composition root is expected to wire
// it (src/conversation/runner.ts → CallSession's LegRunner), for end-to-end leg tests.
import type { LegRunner } from "../../src/calls/call-session.js";
import type { ConversationAgentConfig } from "../../src/conversation/agent-config.js";
import { createConversationRunner } from "../../src/conversation/runner.js";

export function conversationLegRunner(): LegRunner {
  const run = createConversationRunner();
  return (session, leg) => {
    const conv = run({
      callId: session.callId,
      agentConfig: (session.agent ?? {}) as ConversationAgentConfig,
      leg,
      end: (e) => void session.end(e),
      log: (type, data) => session.log(type, data),
      transfer: async () => false,
      onTranscript: (u) => session.update({ transcript: u.transcript, transcriptObject: u.transcriptObject }),
    });
    return () => void conv.stop();
  };
}
