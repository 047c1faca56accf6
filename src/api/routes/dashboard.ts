import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../context.js";

/** Serves the dashboard's built files at / (filled in by the dashboard work). */
export function dashboardRoutes(_app: FastifyInstance, _deps: ApiDeps): void {}
