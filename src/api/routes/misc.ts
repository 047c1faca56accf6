import type { FastifyInstance } from "fastify";
import { Type, type Static } from "typebox";
import { createReadStream, existsSync } from "node:fs";
import { ArtifactUrls } from "../../calls/signed-urls.js";
import { listVoices, findVoice } from "../../conversation/voices.js";
import { REASON_CATALOGUE } from "../../core/index.js";
import type { ApiDeps } from "../context.js";
import { workspaceOf } from "../context.js";
import { ApiError, notFound } from "../errors.js";

const VoiceParams = Type.Object({ voice_id: Type.String({ minLength: 1, maxLength: 128 }) });
const ArtifactParams = Type.Object({ call_id: Type.String({ minLength: 1, maxLength: 64 }), file: Type.String({ maxLength: 64 }) });
const ArtifactQuery = Type.Object({ expires: Type.String({ pattern: "^[0-9]{1,15}$" }), sig: Type.String({ maxLength: 128 }) });


const wireVoice = (v: ReturnType<typeof listVoices>[number]) => ({
  voice_id: v.voice_id, voice_name: v.voice_name, provider: v.provider, gender: v.gender, accent: v.accent, age: v.age,
});

/** Health, voices, the reason catalogue, and signed artifact downloads. */
export function miscRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get("/health", { schema: { hide: true } }, async (_req, reply) => {
    if (!deps.ready()) return reply.code(503).send({ status: "starting" });
    return { status: "ok" };
  });

  app.get("/list-voices", { schema: { tags: ["voices"] } }, async (req) => {
    workspaceOf(req);
    return listVoices().map(wireVoice);
  });

  app.get("/get-voice/:voice_id", { schema: { params: VoiceParams, tags: ["voices"] } }, async (req) => {
    workspaceOf(req);
    const { voice_id } = req.params as Static<typeof VoiceParams>;
    const v = findVoice(voice_id);
    if (!v) throw notFound("voice", voice_id);
    return wireVoice(v);
  });

  app.get("/parley/v1/disconnection-reasons", { schema: { tags: ["parley"] } }, async () =>
    REASON_CATALOGUE.map((r) => ({ reason: r.reason, call_status: r.callStatus, phases: r.phases, fault: r.fault, meaning: r.meaning, mechanism: r.mechanism, remedy: r.remedy, legacy: r.legacy })),
  );

  app.get("/parley/v1/call-log/:call_id", { schema: { params: Type.Object({ call_id: Type.String({ maxLength: 64 }) }), tags: ["parley"] } }, async (req) => {
    const ws = workspaceOf(req);
    const { call_id } = req.params as { call_id: string };
    const call = deps.calls.live(call_id)?.record ?? (await deps.store.calls.get(ws.id, call_id));
    if (!call || call.workspaceId !== ws.id) throw notFound("call", call_id);
    await deps.calls.live(call_id)?.flushEvents();
    return { call_id, events: await deps.store.callEvents.list(call_id) };
  });

  app.get("/artifacts/:call_id/:file", { schema: { params: ArtifactParams, querystring: ArtifactQuery, hide: true } }, async (req, reply) => {
    const { call_id, file } = req.params as Static<typeof ArtifactParams>;
    const q = req.query as Static<typeof ArtifactQuery>;
    const kind = ArtifactUrls.kindOf(file);
    if (!kind || !deps.urls.check(call_id, kind, Number(q.expires), q.sig)) throw new ApiError(403, "this link is invalid or has expired; fetch the call again for a fresh one");
    const call = await deps.store.calls.getById(call_id);
    if (!call) throw notFound("call", call_id);
    if (kind === "log") {
      await deps.calls.live(call_id)?.flushEvents();
      return { call_id, events: await deps.store.callEvents.list(call_id) };
    }
    const path = kind === "recording" ? call.recordingPath : kind === "recording_multi" ? call.recordingMultiChannelPath : call.pcapPath;
    if (!path || !existsSync(path)) throw notFound(kind, call_id);
    const type = kind === "pcap" ? "application/vnd.tcpdump.pcap" : "audio/wav";
    return reply.type(type).header("content-disposition", `attachment; filename="${call_id}-${file}"`).send(createReadStream(path));
  });
}
