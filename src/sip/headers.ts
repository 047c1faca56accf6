// SIP header storage: wire order and raw values kept, names case-insensitive and canonical,
// comma lists split only where the header's grammar allows, structured views parsed lazily.
import {
  parseAuthValue,
  parseDigits,
  parseCSeq,
  parseMediaType,
  parseNameAddr,
  parseReason,
  parseVia,
  splitList,
  trim,
  type AuthValue,
  type CSeq,
  type MediaType,
  type NameAddr,
  type ReasonValue,
  type Via,
} from "./headers-typed.js";

/** Compact forms (RFC 3261 §7.3.3 and later extensions) mapped to canonical names. */
const COMPACT: Readonly<Record<string, string>> = {
  i: "Call-ID", m: "Contact", e: "Content-Encoding", l: "Content-Length", c: "Content-Type",
  f: "From", s: "Subject", k: "Supported", t: "To", v: "Via", o: "Event", u: "Allow-Events",
  r: "Refer-To", b: "Referred-By", x: "Session-Expires", y: "Identity", a: "Accept-Contact",
  j: "Reject-Contact", d: "Request-Disposition", n: "Identity-Info",
};

const CANONICAL_LIST = [
  "Accept", "Accept-Contact", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow", "Allow-Events",
  "Authentication-Info", "Authorization", "Call-ID", "Call-Info", "Contact", "Content-Disposition",
  "Content-Encoding", "Content-Language", "Content-Length", "Content-Type", "CSeq", "Date", "Error-Info",
  "Event", "Expires", "From", "Identity", "Identity-Info", "In-Reply-To", "Max-Forwards", "MIME-Version",
  "Min-Expires", "Min-SE", "Organization", "P-Asserted-Identity", "P-Preferred-Identity", "Path", "Priority",
  "Privacy", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Require", "RAck", "Reason", "Record-Route",
  "Refer-To", "Referred-By", "Reject-Contact", "Replaces", "Reply-To", "Request-Disposition", "Require",
  "Retry-After", "Route", "RSeq", "Server", "Service-Route", "Session-Expires", "SIP-ETag", "SIP-If-Match",
  "Subject", "Subscription-State", "Supported", "Timestamp", "To", "Unsupported", "User-Agent", "Via",
  "Warning", "WWW-Authenticate", "History-Info", "Diversion", "Remote-Party-ID", "X-Twilio-Error",
];
const CANONICAL = new Map<string, string>(CANONICAL_LIST.map((n) => [n.toLowerCase(), n]));

/** Headers whose grammar is `x *(COMMA x)`, so one line may carry several values. */
const LIST_HEADERS = new Set([
  "via", "contact", "route", "record-route", "allow", "supported", "require", "proxy-require", "unsupported",
  "accept", "accept-encoding", "accept-language", "content-encoding", "content-language", "allow-events",
  "in-reply-to", "reason", "warning", "call-info", "alert-info", "error-info", "path", "service-route",
  "p-asserted-identity", "p-preferred-identity", "history-info", "diversion", "accept-contact",
  "reject-contact", "privacy", "request-disposition",
]);

/** The canonical spelling of a header name (compact forms expanded; unknown names kept as given). */
export function canonicalName(name: string): string {
  return nameInfo(name).name;
}

export interface NameInfo {
  name: string;
  key: string;
  /** 1 + index in TRACKED_HEADERS for the headers a parser checks on every message, else 0. */
  slot: number;
}

/** Headers the parser validates on every message; their NameInfo carries a slot number to switch on. */
export const TRACKED_HEADERS = ["via", "call-id", "cseq", "from", "to", "contact", "max-forwards", "date", "content-length"] as const;

function makeInfo(name: string): NameInfo {
  const key = name.toLowerCase();
  return { name, key, slot: (TRACKED_HEADERS as readonly string[]).indexOf(key) + 1 };
}

// Names repeat across messages; remembering how each spelling maps saves a lowercase + lookup per line.
const NAME_CACHE = new Map<string, NameInfo>();
const NAME_CACHE_MAX = 1024;

/** One spelling the parser recognises in place: its lowercase char codes, where its hyphens are, what it resolves to. */
interface Spelling {
  lower: number[];
  hyphens: number[];
  info: NameInfo;
}

// Known names and compact forms by (length, first letter case-folded): the parser recognises a name in
// place, in any case, without slicing it out or hashing it. An array index is cheaper than a Map lookup.
const SHAPE_MAX_LENGTH = 32;
const BY_SHAPE: Array<Spelling[] | undefined> = new Array<Spelling[] | undefined>(SHAPE_MAX_LENGTH * 32).fill(undefined);

function addSpelling(spelling: string, info: NameInfo): void {
  // The case fold in knownNameAt (c | 0x20) is exact only for letters and hyphens.
  if (!/^[A-Za-z-]+$/.test(spelling)) throw new Error(`header name ${spelling} has more than letters and hyphens`);
  const shape = spelling.length * 32 + (spelling.charCodeAt(0) & 31);
  const list = (BY_SHAPE[shape] ??= []);
  const lower = Array.from(spelling.toLowerCase(), (c) => c.charCodeAt(0));
  list.push({ lower, hyphens: lower.flatMap((c, i) => (c === 45 ? [i] : [])), info });
}
for (const n of CANONICAL_LIST) addSpelling(n, makeInfo(n));
for (const [c, n] of Object.entries(COMPACT)) addSpelling(c, makeInfo(n));

/** The known header name (any case, compact forms included) written at text[start, end), else undefined. */
export function knownNameAt(text: string, start: number, end: number): NameInfo | undefined {
  const len = end - start;
  if (len >= SHAPE_MAX_LENGTH || len <= 0) return undefined;
  const list = BY_SHAPE[len * 32 + (text.charCodeAt(start) & 31)];
  if (list === undefined) return undefined;
  next: for (let i = 0; i < list.length; i++) {
    const sp = list[i]!;
    const lower = sp.lower;
    // c | 0x20 folds a letter to lowercase and leaves '-' as it is; it also turns CR into '-', so the
    // hyphens are checked exactly once the rest matched.
    for (let j = 0; j < len; j++) if ((text.charCodeAt(start + j) | 0x20) !== lower[j]) continue next;
    const hyphens = sp.hyphens;
    for (let k = 0; k < hyphens.length; k++) if (text.charCodeAt(start + hyphens[k]!) !== 45) continue next;
    return sp.info;
  }
  return undefined;
}

/** Canonical name and lowercase key of a header name as written. */
export function nameInfo(raw: string): NameInfo {
  const hit = NAME_CACHE.get(raw);
  if (hit !== undefined) return hit;
  const lower = raw.toLowerCase();
  const name = (raw.length === 1 ? COMPACT[lower] : undefined) ?? CANONICAL.get(lower) ?? raw;
  const info = makeInfo(name);
  if (NAME_CACHE.size < NAME_CACHE_MAX) NAME_CACHE.set(raw, info);
  return info;
}

/** True when a header may carry several comma-separated values on one line. */
export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(keyOf(name));
}

interface Field {
  name: string;
  key: string;
  value: string;
  split: string[] | undefined;
}

/** An ordered, case-insensitive SIP header collection. */
export class Headers {
  private fields: Field[] = [];
  private cache: Map<string, unknown> | undefined;
  // The five views read on every message get plain fields: null = looked, absent or malformed.
  private cVia: Via | null | undefined;
  private cFrom: NameAddr | null | undefined;
  private cTo: NameAddr | null | undefined;
  private cCSeq: CSeq | null | undefined;
  private cContacts: NameAddr[] | undefined;

  /** Copies `other` (field by field; structured caches are not shared). */
  static from(other: Headers): Headers {
    const h = new Headers();
    for (const f of other.fields) h.fields.push({ name: f.name, key: f.key, value: f.value, split: undefined });
    return h;
  }

  /** Adds a header line at the end (the parser's path: `name` is taken as already trimmed). */
  append(name: string, value: string): this {
    this.add(name, value);
    return this;
  }

  /** Appends a line whose name is already resolved (the parser's hot path); returns its key. */
  addResolved(info: NameInfo, value: string): string {
    this.fields.push({ name: info.name, key: info.key, value, split: undefined });
    this.invalidate();
    return info.key;
  }

  private add(name: string, value: string): void {
    this.addResolved(nameInfo(name), value);
  }

  /** Adds a header line before every other line (e.g. a new top Via). */
  prepend(name: string, value: string): this {
    const canonical = canonicalName(name);
    this.fields.unshift({ name: canonical, key: canonical.toLowerCase(), value, split: undefined });
    this.invalidate();
    return this;
  }

  /** Replaces every line of this header with one value, at the position of the first one. */
  set(name: string, value: string): this {
    const canonical = canonicalName(name);
    const key = canonical.toLowerCase();
    const idx = this.fields.findIndex((f) => f.key === key);
    if (idx < 0) return this.append(name, value);
    this.fields[idx] = { name: canonical, key, value, split: undefined };
    this.fields = this.fields.filter((f, i) => i === idx || f.key !== key);
    this.invalidate();
    return this;
  }

  /** Removes every line of this header; returns how many were removed. */
  remove(name: string): number {
    const key = keyOf(name);
    const before = this.fields.length;
    this.fields = this.fields.filter((f) => f.key !== key);
    this.invalidate();
    return before - this.fields.length;
  }

  /** Removes the first value of a list header (e.g. the top Via), keeping the rest of its line. */
  removeFirst(name: string): string | undefined {
    const key = keyOf(name);
    const idx = this.fields.findIndex((f) => f.key === key);
    if (idx < 0) return undefined;
    const f = this.fields[idx]!;
    const values = this.valuesOf(f);
    this.invalidate();
    if (values.length <= 1) {
      this.fields.splice(idx, 1);
      return values[0] ?? f.value;
    }
    const [first, ...rest] = values;
    this.fields[idx] = { name: f.name, key: f.key, value: rest.join(", "), split: rest };
    return first;
  }

  /** True when at least one line of this header is present. */
  has(name: string): boolean {
    const key = keyOf(name);
    for (const f of this.fields) if (f.key === key) return true;
    return false;
  }

  /** The first value (for list headers, the first element of the first line). */
  get(name: string): string | undefined {
    const key = keyOf(name);
    for (const f of this.fields) {
      if (f.key !== key) continue;
      if (!LIST_HEADERS.has(key)) return f.value;
      return this.valuesOf(f)[0];
    }
    return undefined;
  }

  /** Every value in order, list headers split into their elements. */
  getAll(name: string): string[] {
    const key = keyOf(name);
    const out: string[] = [];
    const list = LIST_HEADERS.has(key);
    for (const f of this.fields) {
      if (f.key !== key) continue;
      if (list) for (const v of this.valuesOf(f)) out.push(v);
      else out.push(f.value);
    }
    return out;
  }

  /** The raw lines of this header, unsplit. */
  getLines(name: string): string[] {
    const key = keyOf(name);
    const out: string[] = [];
    for (const f of this.fields) if (f.key === key) out.push(f.value);
    return out;
  }

  /** Every line as [canonical name, raw value], in wire order. */
  entries(): Array<[string, string]> {
    return this.fields.map((f) => [f.name, f.value]);
  }

  /** The number of header lines. */
  get size(): number {
    return this.fields.length;
  }

  // ---- structured accessors (parsed on first use, cached until the headers change) ----

  /** Every Via, top first. The parser checks only the top one; a malformed lower Via is left out here. */
  vias(): Via[] {
    return this.memo("vias", () => this.getAll("via").map(parseVia).filter(isDefined));
  }

  /** The top Via (parsed alone: a UA rarely needs the others). */
  via(): Via | undefined {
    if (this.cVia === undefined) this.cVia = mapDefined(this.get("via"), parseVia) ?? null;
    return this.cVia ?? undefined;
  }

  /** From as a name-addr (display name, URI, tag). */
  from(): NameAddr | undefined {
    if (this.cFrom === undefined) this.cFrom = mapDefined(this.get("from"), parseNameAddr) ?? null;
    return this.cFrom ?? undefined;
  }

  /** To as a name-addr (display name, URI, tag). */
  to(): NameAddr | undefined {
    if (this.cTo === undefined) this.cTo = mapDefined(this.get("to"), parseNameAddr) ?? null;
    return this.cTo ?? undefined;
  }

  /** Call-ID. */
  callId(): string | undefined {
    return this.get("call-id");
  }

  /** CSeq as {seq, method}. */
  cseq(): CSeq | undefined {
    if (this.cCSeq === undefined) this.cCSeq = mapDefined(this.get("cseq"), parseCSeq) ?? null;
    return this.cCSeq ?? undefined;
  }

  /** Contacts in order; a `*` contact (REGISTER) has uri "*". */
  contacts(): NameAddr[] {
    if (this.cContacts === undefined) this.cContacts = this.getAll("contact").map(parseNameAddr).filter(isDefined);
    return this.cContacts;
  }

  /** The first Contact. */
  contact(): NameAddr | undefined {
    return this.contacts()[0];
  }

  /** Route set, in order. */
  routes(): NameAddr[] {
    return this.memo("routes", () => this.getAll("route").map(parseNameAddr).filter(isDefined));
  }

  /** Record-Route set, in order. */
  recordRoutes(): NameAddr[] {
    return this.memo("record-routes", () => this.getAll("record-route").map(parseNameAddr).filter(isDefined));
  }

  /** Max-Forwards, or undefined when absent or not a number. */
  maxForwards(): number | undefined {
    return mapDefined(this.get("max-forwards"), parseSmallInt);
  }

  /** Content-Length, or undefined when absent or not a number. */
  contentLength(): number | undefined {
    return mapDefined(this.get("content-length"), parseSmallInt);
  }

  /** Content-Type as {type, subtype, mime, params}. */
  contentType(): MediaType | undefined {
    return this.memo("content-type", () => mapDefined(this.get("content-type"), parseMediaType));
  }

  /** Every Reason value (RFC 3326), e.g. `Q.850;cause=16;text="Normal call clearing"`. */
  reasons(): ReasonValue[] {
    return this.memo("reasons", () => this.getAll("reason").map(parseReason).filter(isDefined));
  }

  /** The first Reason value. */
  reason(): ReasonValue | undefined {
    return this.reasons()[0];
  }

  /** Every WWW-Authenticate challenge. */
  wwwAuthenticate(): AuthValue[] {
    return this.memo("www-authenticate", () => this.getAll("www-authenticate").map(parseAuthValue).filter(isDefined));
  }

  /** Every Proxy-Authenticate challenge. */
  proxyAuthenticate(): AuthValue[] {
    return this.memo("proxy-authenticate", () =>
      this.getAll("proxy-authenticate").map(parseAuthValue).filter(isDefined),
    );
  }

  /** Every Authorization credential. */
  authorization(): AuthValue[] {
    return this.memo("authorization", () => this.getAll("authorization").map(parseAuthValue).filter(isDefined));
  }

  /** Every Proxy-Authorization credential. */
  proxyAuthorization(): AuthValue[] {
    return this.memo("proxy-authorization", () =>
      this.getAll("proxy-authorization").map(parseAuthValue).filter(isDefined),
    );
  }

  private valuesOf(f: Field): string[] {
    if (f.split === undefined) f.split = splitList(f.value);
    return f.split;
  }

  private invalidate(): void {
    this.cache = undefined;
    this.cVia = this.cFrom = this.cTo = this.cCSeq = this.cContacts = undefined;
  }

  private memo<T>(key: string, compute: () => T): T {
    if (this.cache === undefined) this.cache = new Map();
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const v = compute();
    this.cache.set(key, v);
    return v;
  }
}

function keyOf(name: string): string {
  return nameInfo(name).key;
}

function isDefined<T>(v: T | undefined): v is T {
  return v !== undefined;
}

function mapDefined<T>(v: string | undefined, f: (s: string) => T | undefined): T | undefined {
  return v === undefined ? undefined : f(v);
}

/** A non-negative decimal integer of at most 10 digits (surrounding whitespace allowed), else undefined. */
export function parseSmallInt(s: string): number | undefined {
  return parseDigits(trim(s), 10);
}
