import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

/** An HTTP error with Retell's body shape `{status:"error", message}`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string): ApiError => new ApiError(404, `${what} ${id} not found`);
export const badRequest = (field: string, problem: string): ApiError => new ApiError(400, `${field}: ${problem}`);

interface SchemaIssue {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

function pathOf(part: string, instancePath: string | undefined): string {
  const tail = (instancePath ?? "").split("/").filter(Boolean).join(".");
  return tail ? `${part}.${tail}` : part;
}

/** Turns schema-validation issues into one message that names the offending field. */
export function describeValidation(part: string, issues: readonly SchemaIssue[]): string {
  const required = issues.find((i) => i.keyword === "required");
  if (required) {
    const props = (required.params?.requiredProperties as string[] | undefined) ?? [];
    return `${pathOf(part, required.instancePath)}.${props[0] ?? "?"} is required`;
  }
  const extra = issues.find((i) => i.keyword === "additionalProperties");
  if (extra) {
    const props = (extra.params?.additionalProperties as string[] | undefined) ?? [];
    return `${pathOf(part, extra.instancePath)}.${props[0] ?? "?"} is not a known field`;
  }
  // For unions of literals, list the allowed values instead of TypeBox's per-branch noise.
  const byPath = new Map<string, SchemaIssue[]>();
  for (const i of issues) byPath.set(i.instancePath ?? "", [...(byPath.get(i.instancePath ?? "") ?? []), i]);
  const deepest = [...byPath.keys()].sort((a, b) => b.split("/").length - a.split("/").length)[0] ?? "";
  const at = byPath.get(deepest) ?? [];
  const allowed = at.filter((i) => i.keyword === "const").map((i) => JSON.stringify(i.params?.allowedValue));
  if (allowed.length > 0) return `${pathOf(part, deepest)} must be one of ${allowed.join(", ")}`;
  const specific = at.find((i) => i.keyword !== "anyOf" && i.keyword !== "boolean") ?? at[0];
  return `${pathOf(part, deepest)} ${specific?.message ?? "is invalid"}`;
}

/** Fastify error handler: every failure leaves as Retell's error body, never a stack. */
export function handleError(err: FastifyError | ApiError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof ApiError) {
    void reply.code(err.statusCode).headers(err.headers).send({ status: "error", message: err.message, ...err.extra });
    return;
  }
  const fe = err as FastifyError & { validation?: SchemaIssue[]; validationContext?: string };
  if (fe.validation) {
    void reply.code(400).send({ status: "error", message: describeValidation(fe.validationContext ?? "body", fe.validation) });
    return;
  }
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    void reply.code(fe.statusCode).send({ status: "error", message: fe.message });
    return;
  }
  req.log.error({ err }, "unhandled API error");
  void reply.code(500).send({ status: "error", message: "internal error" });
}
