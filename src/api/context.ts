import type { FastifyRequest } from "fastify";
import type { CallService } from "../calls/call-service.js";
import type { ArtifactUrls } from "../calls/signed-urls.js";
import type { ConcurrencyLimiter } from "../admission/concurrency.js";
import type { PhoneNumber, Store, Workspace } from "../store/types.js";
import type { TrunkHealth } from "../telephony/trunk-health.js";
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
  /** The last OPTIONS probe of a number's trunk, when SIP runs on this node. */
  readonly trunkHealth?: (n: PhoneNumber) => TrunkHealth | undefined;
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
