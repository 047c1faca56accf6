import type { ListOptions, SortOrder } from "../store/types.js";
import { badRequest } from "./errors.js";

/** Shared list paging from Retell's query parameters: limit 1..1000 (default 50), sort order, cursor. */
export function listOptions(q: { limit?: string; pagination_key?: string; sort_order?: SortOrder }): ListOptions {
  const limit = q.limit === undefined ? 50 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest("query.limit", "must be an integer from 1 to 1000");
  return { limit, sortOrder: q.sort_order ?? "descending", ...(q.pagination_key ? { paginationKey: q.pagination_key } : {}) };
}
