import Fastify, { LogController, type FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { TypeBoxValidatorCompiler } from "@fastify/type-provider-typebox";
import type { FastifyBaseLogger } from "fastify";
import { registerAuth } from "./auth.js";
import type { ApiDeps } from "./context.js";
import { handleError } from "./errors.js";
import { agentRoutes } from "./routes/agents.js";
import { callRoutes } from "./routes/calls.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { audioWebsocketRoutes, type AudioWebsocketOptions } from "./routes/audio-websocket.js";
import { miscRoutes } from "./routes/misc.js";
import { phoneNumberRoutes } from "./routes/phone-numbers.js";

export interface ServerOptions {
  readonly logger: FastifyBaseLogger;
  readonly bodyLimit?: number;
  /** Web calls and Twilio streams on /audio-websocket/{call_id}. */
  readonly audio?: AudioWebsocketOptions;
}

/** Builds the HTTP server: Retell-compatible routes at the root, OpenAPI at /openapi.json and /docs. */
export async function buildServer(deps: ApiDeps, opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: opts.bodyLimit ?? 1_048_576,
    logController: new LogController({ disableRequestLogging: true }),
    // Retell's SDK puts E.164 numbers in paths with a literal "+".
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req, reply) => void reply.code(404).send({ status: "error", message: `no route ${req.method} ${req.url.split("?")[0]}` }));
  // An empty JSON body on routes whose body is optional (list-calls) is an empty object, as Retell treats it.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = new Error("body is not valid JSON") as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  await app.register(swagger, {
    openapi: {
      info: { title: "Parley API", version: "0.1.0", description: "Retell-compatible call API with precise disconnection reasons." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  registerAuth(app, deps.store);
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  agentRoutes(app, deps);
  phoneNumberRoutes(app, deps);
  callRoutes(app, deps);
  miscRoutes(app, deps);
  audioWebsocketRoutes(app, deps, opts.audio);
  await dashboardRoutes(app, deps);
  return app;
}
