/** A call's detailed log: events appended in order, numbered per call by `seq`. */
import type { CallEvent, CallEventType } from "../core/call-event.js";
import { inTransaction } from "./in-transaction.js";
import { fromJson } from "./json-column.js";
import type { RepoContext } from "./repo-context.js";
import { StoreError, type CallEventRepo } from "./types.js";

const CHUNK = 500;
const RETRIES = 5;

function checkEvent(e: CallEvent, i: number): void {
  if (typeof e !== "object" || e === null || !Number.isFinite(e.tMs) || !Number.isFinite(e.at) || typeof e.type !== "string" || typeof e.data !== "object" || e.data === null) {
    throw new StoreError("invalid", `call event #${i} needs numeric tMs and at, a type and a data object`);
  }
}

/** Rows back from the flat parameter list (only used the first time a chunk size is compiled). */
function rowsOf(params: readonly unknown[]) {
  const rows = [];
  for (let i = 0; i < params.length; i += 7) {
    const [call_id, seq, t_ms, at, type, data, raw] = params.slice(i, i + 7) as [string, number, number, number, string, string, Buffer | null];
    rows.push({ call_id, seq, t_ms, at, type, data, raw });
  }
  return rows;
}

/** Call event repository over one Kysely handle. */
export class CallEvents implements CallEventRepo {
  constructor(private readonly ctx: RepoContext) {}

  async append(callId: string, events: readonly CallEvent[], firstSeq?: number): Promise<number> {
    if (typeof callId !== "string" || callId.length === 0) throw new StoreError("invalid", "call events need a call id");
    if (firstSeq !== undefined && (!Number.isSafeInteger(firstSeq) || firstSeq < 1)) throw new StoreError("invalid", "firstSeq must be a whole number ≥ 1");
    events.forEach(checkEvent);
    if (events.length === 0) return firstSeq ?? (await this.#nextSeq(this.ctx.db, callId));
    // Two writers racing on one call's numbering collide on the primary key; the loser retries
    // with fresh numbers (not possible inside a caller's transaction, so it just fails there).
    // A caller that gave its own numbering is the only writer: a collision there is a bug, not a race.
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.ctx.db, async (trx) => {
          const base = firstSeq ?? (await this.#nextSeq(trx, callId));
          for (let i = 0; i < events.length; i += CHUNK) {
            const chunk = events.slice(i, i + CHUNK);
            const params: unknown[] = [];
            chunk.forEach((e, j) => params.push(callId, base + i + j, e.tMs, e.at, e.type, JSON.stringify(e.data), e.raw ?? null));
            await this.ctx.shapes.run(trx, `call_events.insert.${chunk.length}`, params, () => trx.insertInto("call_events").values(rowsOf(params)));
          }
          return base + events.length;
        });
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        const collided = code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
        if (!collided || firstSeq !== undefined || this.ctx.db.isTransaction || attempt >= RETRIES) throw e;
      }
    }
  }

  async #nextSeq(db: RepoContext["db"], callId: string): Promise<number> {
    const top = await this.ctx.shapes.run(db, "call_events.max_seq", [callId], () =>
      db.selectFrom("call_events").select((eb) => eb.fn.max("seq").as("seq")).where("call_id", "=", callId),
    );
    return (top.rows[0]?.seq ?? 0) + 1;
  }

  async list(callId: string): Promise<CallEvent[]> {
    const rows = await this.ctx.db.selectFrom("call_events").selectAll().where("call_id", "=", callId).orderBy("seq").execute();
    return rows.map((r) => {
      const data = fromJson<Record<string, unknown>>(r.data, `event ${r.seq} of call ${callId}`) ?? {};
      if (r.raw !== null) data["raw"] = r.raw.toString("utf8");
      return { tMs: r.t_ms, at: r.at, type: r.type as CallEventType, data };
    });
  }
}
