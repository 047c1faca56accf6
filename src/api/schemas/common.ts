import { Type, type TSchema } from "typebox";

/** A union of string literals, reported by the error formatter as "must be one of …". */
export const OneOf = <const T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));

export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const E164ish = Type.String({ minLength: 1, maxLength: 64 });
export const StringMap = Type.Record(Type.String(), Type.String());
export const SortOrder = OneOf(["ascending", "descending"] as const);
export const DataStorage = OneOf(["everything", "everything_except_pii", "basic_attributes_only"] as const);

