/**
 * Turns the normalised CallFilter list into one SQL condition. Field names map through fixed
 * tables to columns, so nothing the API passes ever reaches SQL as an identifier.
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from "kysely";
import type { Db } from "./db-schema.js";
import { jsonKeyText, patternMatch, type Engine } from "./dialect.js";
import { StoreError, type CallEnumField, type CallFilter, type CallNumberField, type CallStringField, type KeyedSource, type StringOp } from "./types.js";

type CallColumn = keyof Db["calls"] & string;
type Eb = ExpressionBuilder<Db, "calls">;

const ENUM_COLUMNS: Readonly<Record<CallEnumField, CallColumn>> = {
  call_id: "call_id",
  call_status: "call_status",
  call_type: "call_type",
  direction: "direction",
  disconnection_reason: "disconnection_reason",
  data_storage_setting: "data_storage_setting",
};
const STRING_COLUMNS: Readonly<Record<CallStringField, CallColumn>> = { call_id: "call_id", from_number: "from_number", to_number: "to_number" };
const NUMBER_COLUMNS: Readonly<Record<CallNumberField, CallColumn>> = {
  start_timestamp: "start_timestamp",
  end_timestamp: "end_timestamp",
  duration_ms: "duration_ms",
};
const KEYED_COLUMNS: Readonly<Record<KeyedSource, CallColumn>> = { metadata: "metadata", dynamic_variables: "dynamic_variables" };
const MAX_IN = 1000;

function column<K extends string>(table: Readonly<Record<K, CallColumn>>, field: unknown, what: string): CallColumn {
  const col = typeof field === "string" && Object.hasOwn(table, field) ? table[field as K] : undefined;
  if (col === undefined) throw new StoreError("invalid", `cannot filter calls by ${what} "${String(field)}"`);
  return col;
}

function checkStrings(values: unknown, what: string): readonly string[] {
  if (!Array.isArray(values) || values.length > MAX_IN || !values.every((v) => typeof v === "string")) {
    throw new StoreError("invalid", `${what} needs a list of at most ${MAX_IN} strings`);
  }
  return values as string[];
}

function checkNumber(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new StoreError("invalid", `${what} needs a finite number`);
  return value;
}

function checkKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 200 || /["\\\u0000-\u001f]/.test(key)) {
    throw new StoreError("invalid", `bad metadata/dynamic_variables key ${JSON.stringify(key)}: 1-200 characters, no quotes, backslashes or control characters`);
  }
  return key;
}

/**
 * The whole-number bounds a number or range filter allows. The columns hold whole ms, so
 * `gt 9.5` is `>= 10`; PostgreSQL would reject a fractional value compared with a bigint.
 * lo > hi means nothing matches. Not for `ne`.
 */
export function integerBounds(f: Extract<CallFilter, { kind: "number" | "range" }>): { lo?: number; hi?: number } {
  if (f.kind === "range") {
    return {
      ...(f.lo !== undefined ? { lo: Math.ceil(checkNumber(f.lo, `range on ${f.field}`)) } : {}),
      ...(f.hi !== undefined ? { hi: Math.floor(checkNumber(f.hi, `range on ${f.field}`)) } : {}),
    };
  }
  const v = checkNumber(f.value, `filter on ${f.field}`);
  switch (f.op) {
    case "gt": return { lo: Math.floor(v) + 1 };
    case "ge": return { lo: Math.ceil(v) };
    case "lt": return { hi: Math.ceil(v) - 1 };
    case "le": return { hi: Math.floor(v) };
    case "eq": return Number.isInteger(v) ? { lo: v, hi: v } : { lo: 1, hi: 0 };
    default: throw new StoreError("invalid", `unknown number operator "${String(f.op)}"`);
  }
}

const NOTHING = sql<SqlBool>`1 = 0`;

function stringOp(engine: Engine, expr: Expression<string | null>, op: StringOp, value: unknown): Expression<SqlBool> {
  if (typeof value !== "string") throw new StoreError("invalid", "a string filter needs a string value");
  switch (op) {
    case "eq":
      return sql<SqlBool>`(${expr} = ${value})`;
    case "ne":
      return sql<SqlBool>`(${expr} <> ${value} or ${expr} is null)`;
    case "sw":
    case "ew":
    case "co":
      return patternMatch(engine, expr, op, value);
    default:
      throw new StoreError("invalid", `unknown string operator "${String(op)}"`);
  }
}

function inList(expr: Expression<unknown>, values: readonly string[]): Expression<SqlBool> {
  return values.length === 0 ? NOTHING : sql<SqlBool>`(${expr} in (${sql.join(values)}))`;
}

function one(engine: Engine, eb: Eb, f: CallFilter): Expression<SqlBool> {
  switch (f.kind) {
    case "in": {
      const col = column(ENUM_COLUMNS, f.field, "field");
      return inList(eb.ref(col), checkStrings(f.values, `filter on ${col}`));
    }
    case "agent": {
      if (!Array.isArray(f.agents) || f.agents.length > MAX_IN) throw new StoreError("invalid", "the agent filter needs a list of agents");
      if (f.agents.length === 0) return NOTHING;
      return eb.or(
        f.agents.map((a) => {
          if (typeof a?.agentId !== "string") throw new StoreError("invalid", "each agent filter needs an agentId");
          const byId = eb("agent_id", "=", a.agentId);
          if (a.versions === undefined) return byId;
          if (!Array.isArray(a.versions) || !a.versions.every((v: unknown) => Number.isInteger(v))) {
            throw new StoreError("invalid", "agent versions must be whole numbers");
          }
          return a.versions.length === 0 ? NOTHING : eb.and([byId, eb("agent_version", "in", a.versions)]);
        }),
      );
    }
    case "string":
      return stringOp(engine, eb.ref(column(STRING_COLUMNS, f.field, "field")) as Expression<string | null>, f.op, f.value);
    case "number":
    case "range": {
      const col = eb.ref(column(NUMBER_COLUMNS, f.field, "field"));
      if (f.kind === "number" && f.op === "ne") {
        const value = checkNumber(f.value, `filter on ${f.field}`);
        return Number.isInteger(value) ? sql<SqlBool>`(${col} <> ${value} or ${col} is null)` : sql<SqlBool>`1 = 1`;
      }
      const { lo, hi } = integerBounds(f);
      if (lo !== undefined && hi !== undefined && lo > hi) return NOTHING;
      const parts: Expression<SqlBool>[] = [];
      if (lo !== undefined) parts.push(sql<SqlBool>`(${col} >= ${lo})`);
      if (hi !== undefined) parts.push(sql<SqlBool>`(${col} <= ${hi})`);
      return parts.length === 0 ? sql<SqlBool>`1 = 1` : eb.and(parts);
    }
    case "keyed":
      return stringOp(engine, jsonKeyText(engine, column(KEYED_COLUMNS, f.source, "source"), checkKey(f.key)), f.op, f.value);
    case "keyed_in":
      return inList(jsonKeyText(engine, column(KEYED_COLUMNS, f.source, "source"), checkKey(f.key)), checkStrings(f.values, `filter on ${f.source}.${f.key}`));
    case "keyed_present": {
      const value = jsonKeyText(engine, column(KEYED_COLUMNS, f.source, "source"), checkKey(f.key));
      return f.present ? sql<SqlBool>`(${value} is not null)` : sql<SqlBool>`(${value} is null)`;
    }
    default:
      throw new StoreError("invalid", `unknown call filter kind "${String((f as { kind?: unknown }).kind)}"`);
  }
}

/** The AND of every filter (true when there are none). */
export function callFilterCondition(engine: Engine, eb: Eb, filters: readonly CallFilter[]): Expression<SqlBool> {
  if (!Array.isArray(filters)) throw new StoreError("invalid", "filters must be a list");
  return filters.length === 0 ? sql<SqlBool>`1 = 1` : eb.and(filters.map((f) => one(engine, eb, f)));
}
