import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Store } from "../store/types.js";
import { ApiError } from "./errors.js";

/** Paths anyone may fetch: health, docs, the dashboard shell, and signed artifact URLs. */
function isPublic(url: string): boolean {
  const path = url.split("?")[0] ?? "";
  return path === "/health" || path.startsWith("/docs") || path === "/openapi.json" || path.startsWith("/artifacts/") ||
    path === "/" || path.startsWith("/dashboard") || path.startsWith("/audio-websocket/") || path.startsWith("/sdk/");
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

/** Bearer-key authentication: each key belongs to one workspace; every route but the public ones needs it. */
export function registerAuth(app: FastifyInstance, store: Store): void {
  app.addHook("onRequest", async (req) => {
    if (isPublic(req.url)) return;
    const key = bearer(req);
    if (!key) throw new ApiError(401, "missing API key: send Authorization: Bearer <key>");
    const identity = await store.apiKeys.findByPlaintext(key);
    if (!identity) throw new ApiError(401, "invalid API key");
    const ws = await store.workspaces.get(identity.workspaceId);
    if (!ws) throw new ApiError(401, "invalid API key");
    req.workspace = ws;
  });
}
