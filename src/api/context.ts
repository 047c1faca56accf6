import type { FastifyRequest } from "fastify";
import type { CallService } from "../calls/call-service.js";
import type { ArtifactUrls } from "../calls/signed-urls.js";
import type { ConcurrencyLimiter } from "../admission/concurrency.js";
import type { Store, Workspace } from "../store/types.js";
import { ApiError } from "./errors.js";

/** What the routes need from the rest of Parley. */
export interface ApiDeps {
  readonly store: Store;
  readonly calls: CallService;
  readonly limiter: ConcurrencyLimiter;
  readonly urls: ArtifactUrls;
  readonly dataDir: string;
  /** True once the node accepts calls (SIP listening, sweeps done). */
  readonly ready: () => boolean;
}

declare module "fastify" {
  interface FastifyRequest {
    workspace?: Workspace;
  }
}

/** The authenticated workspace of a request (set by the auth hook). */
export function workspaceOf(req: FastifyRequest): Workspace {
  if (!req.workspace) throw new ApiError(401, "missing or invalid API key");
  return req.workspace;
}
