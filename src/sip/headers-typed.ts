// Structured views of the SIP header values the stack reads on every message. Each parser returns
// undefined for a value it cannot read instead of throwing: the caller decides whether that is fatal.

/** Header or URI parameters: lowercase name → value (null for a flag such as `;lr` or `;rport`). */
export type Params = Map<string, string | null>;

/** One Via value (RFC 3261 §20.42, RFC 3581 rport). */
export interface Via {
  /** "SIP/2.0" */
  protocol: string;
  /** Upper-case transport: UDP, TCP, TLS, WS, WSS, SCTP… */
  transport: string;
  host: string;
  port?: number;
  branch?: string;
  /** rport: a number once filled in, `true` when requested without a value. */
  rport?: number | true;
  received?: string;
  params: Params;
}

/** name-addr / addr-spec with header parameters (From, To, Contact, Route…). `uri` is "*" for a star Contact. */
export interface NameAddr {
  displayName?: string;
  uri: string;
  tag?: string;
  params: Params;
}

export interface CSeq {
  seq: number;
  method: string;
}

export interface MediaType {
  type: string;
  subtype: string;
  /** lowercase "type/subtype" */
  mime: string;
  params: Params;
}

/** A Reason value (RFC 3326): protocol "SIP" or "Q.850", the cause code and the text. */
export interface ReasonValue {
  protocol: string;
  cause?: number;
  text?: string;
  params: Params;
}

/** A challenge or credential: the scheme ("Digest") and its auth-params (names lowercased, quotes removed). */
export interface AuthValue {
  scheme: string;
  params: Map<string, string>;
}

/** Splits a comma list, never inside quotes or <>; elements trimmed, empty ones dropped. */
export function splitList(value: string): string[] {
  if (value.indexOf(",") < 0) {
    const t = trim(value);
    return t.length ? [t] : [];
  }
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inQuote = false;
    } else if (c === 34) inQuote = true;
    else if (c === 60 /* < */) inAngle = true;
    else if (c === 62 /* > */) inAngle = false;
    else if (c === 44 /* , */ && !inAngle) {
      const t = trim(value.slice(start, i));
      if (t.length) out.push(t);
      start = i + 1;
    }
  }
  const t = trim(value.slice(start));
  if (t.length) out.push(t);
  return out;
}

/** Parses `;a=b;c;d="x;y"` (leading `;` optional); names lowercased, quoted values unquoted. */
export function parseParams(s: string, into: Params = new Map()): Params {
  return readParams(s, into, false)!;
}

/** Like parseParams, but undefined when an element is empty (`;;`, a trailing `;`): RFC 4475 "badinv01". */
export function parseParamsStrict(s: string): Params | undefined {
  return readParams(s, new Map(), true);
}

function readParams(s: string, into: Params, strict: boolean): Params | undefined {
  const start = s.charCodeAt(0) === 59 ? 1 : 0;
  const n = s.length;
  if (s.indexOf('"') < 0) {
    // Common case, no quoted values: indexOf jumps instead of a char loop.
    let i = start;
    let eq = s.indexOf("=", i);
    while (i <= n) {
      let semi = s.indexOf(";", i);
      if (semi < 0) semi = n;
      if (eq >= 0 && eq < i) eq = s.indexOf("=", i);
      const hasValue = eq >= 0 && eq < semi;
      const name = trimmedSlice(s, i, hasValue ? eq : semi);
      if (name.length === 0) {
        if (strict) return undefined;
      } else into.set(lower(name), hasValue ? trimmedSlice(s, eq + 1, semi) : null);
      i = semi + 1;
    }
    return into;
  }
  let i = start;
  for (let first = true; i < n; first = false) {
    let semis = 0;
    while (i < n && (s.charCodeAt(i) === 59 /* ; */ || isSpace(s.charCodeAt(i)))) {
      if (s.charCodeAt(i) === 59) semis++;
      i++;
    }
    if (i >= n) {
      if (strict && semis > 0) return undefined;
      break;
    }
    if (strict && semis !== (first ? 0 : 1)) return undefined;
    let j = i;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === 61 /* = */ || c === 59 || isSpace(c)) break;
      j++;
    }
    if (strict && j === i) return undefined;
    const name = lower(s.slice(i, j));
    while (j < n && isSpace(s.charCodeAt(j))) j++;
    if (j < n && s.charCodeAt(j) === 61) {
      j++;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (j < n && s.charCodeAt(j) === 34) {
        const [val, end] = readQuoted(s, j);
        into.set(name, val);
        i = end;
      } else {
        let k = j;
        while (k < n && s.charCodeAt(k) !== 59) k++;
        into.set(name, s.slice(j, k).trim());
        i = k;
      }
    } else {
      into.set(name, null);
      i = j;
    }
  }
  return into;
}

/** Serializes parameters as `;a=b;c` (values that need it are quoted). */
export function formatParams(p: Params): string {
  let out = "";
  for (const [k, v] of p) {
    if (v === null) out += `;${k}`;
    else out += `;${k}=${needsQuote(v) ? quote(v) : v}`;
  }
  return out;
}

/** Parses one Via value: `SIP/2.0/UDP host:port;branch=…;rport;received=…`. */
export function parseVia(value: string): Via | undefined {
  const s = trim(value);
  let i = 0;
  let protocol = "SIP/2.0";
  let transport: string;
  const sp = s.indexOf(" ");
  if (sp > 8 && hasPrefix(s, "SIP/2.0/") && !isBefore(s.indexOf("/", 8), sp + 1)) {
    transport = s.slice(8, sp);
    i = sp;
  } else {
    const sent = parseSentProtocol(s);
    if (sent === undefined) return undefined;
    [protocol, transport, i] = sent;
  }
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const semi = s.indexOf(";", i);
  const sentBy = trim(semi < 0 ? s.slice(i) : s.slice(i, semi));
  const hp = parseHostPort(sentBy);
  if (hp === undefined) return undefined;
  const params = semi < 0 ? new Map<string, string | null>() : parseParamsStrict(s.slice(semi + 1));
  if (params === undefined) return undefined;
  if (!isToken(transport)) return undefined;
  const via: Via = { protocol, transport: transport.toUpperCase(), host: hp.host, params };
  if (hp.port !== undefined) via.port = hp.port;
  const branch = params.get("branch");
  if (typeof branch === "string") via.branch = branch;
  const received = params.get("received");
  if (typeof received === "string") via.received = received;
  if (params.has("rport")) {
    const r = params.get("rport");
    const port = r == null || r === "" ? undefined : toPort(r);
    via.rport = port ?? true;
  }
  return via;
}

/** sent-protocol with LWS allowed around the slashes (RFC 4475 wsinv): [name/version, transport, end index]. */
function parseSentProtocol(s: string): [string, string, number] | undefined {
  let i = 0;
  const parts: string[] = [];
  for (let p = 0; p < 3; p++) {
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
    let j = i;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (c === 47 /* / */ || isSpace(c)) break;
      j++;
    }
    if (j === i) return undefined;
    parts.push(s.slice(i, j));
    i = j;
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
    if (p < 2) {
      if (s.charCodeAt(i) !== 47) return undefined;
      i++;
    }
  }
  const [name, version, transport] = parts as [string, string, string];
  return [`${name}/${version}`, transport, i];
}

/** Serializes a Via from its fields (params carry branch/rport/received as set there). */
export function formatVia(v: Via): string {
  const host = v.host.includes(":") && !v.host.startsWith("[") ? `[${v.host}]` : v.host;
  return `${v.protocol}/${v.transport} ${host}${v.port !== undefined ? `:${v.port}` : ""}${formatParams(v.params)}`;
}

/** Parses `host`, `host:port`, `[v6]`, `[v6]:port`; undefined if malformed. */
export function parseHostPort(s: string): { host: string; port?: number } | undefined {
  if (s.length === 0) return undefined;
  if (s.charCodeAt(0) === 91 /* [ */) {
    const close = s.indexOf("]");
    if (close < 0) return undefined;
    const host = s.slice(0, close + 1);
    const rest = trim(s.slice(close + 1));
    if (rest.length === 0) return { host };
    if (rest.charCodeAt(0) !== 58) return undefined;
    const port = toPort(trim(rest.slice(1)));
    return port === undefined ? undefined : { host, port };
  }
  const colon = s.indexOf(":");
  if (colon < 0) return validHost(s) ? { host: s } : undefined;
  const host = trim(s.slice(0, colon));
  const port = toPort(trim(s.slice(colon + 1)));
  if (port === undefined || !validHost(host)) return undefined;
  return { host, port };
}

function validHost(h: string): boolean {
  if (h.length === 0) return false;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95;
    if (!ok) return false;
  }
  return true;
}

function toPort(s: string): number | undefined {
  const n = parseDigits(s, 5);
  return n !== undefined && n <= 65535 ? n : undefined;
}

/** A run of 1..maxDigits decimal digits and nothing else, else undefined. */
export function parseDigits(s: string, maxDigits: number): number | undefined {
  if (s.length === 0 || s.length > maxDigits) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n;
}

/** Where the parts of a name-addr / addr-spec lie in its text (indices; no strings cut yet). */
interface NameAddrShape {
  /** Display name bounds (empty when start === end); `quoted` when it is a quoted-string. */
  dnStart: number;
  dnEnd: number;
  quoted: boolean;
  uriStart: number;
  uriEnd: number;
  /** Start of the header parameters (`;…`), or the text's end. */
  restStart: number;
}

/** Checks the grammar of a name-addr or addr-spec and locates its parts, without allocating strings. */
function scanNameAddr(s: string): NameAddrShape | undefined {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  if (start === end) return undefined;
  const lt = findAngle(s, start);
  if (lt >= 0) {
    const gt = s.indexOf(">", lt);
    if (gt < 0 || gt >= end) return undefined;
    let dnEnd = lt;
    while (dnEnd > start && isSpace(s.charCodeAt(dnEnd - 1))) dnEnd--;
    const quoted = dnEnd > start && s.charCodeAt(start) === 34;
    if (quoted) {
      if (quotedEnd(s, start) !== dnEnd) return undefined;
    } else {
      // An unquoted display name is tokens separated by LWS (RFC 4475 §3.1.2.15 "baddn").
      for (let k = start; k < dnEnd; k++) {
        const c = s.charCodeAt(k);
        if (!isSpace(c) && !isTokenChar(c)) return undefined;
      }
    }
    // No whitespace inside <> (RFC 4475 §3.1.2.14 "badaspec").
    if (hasSpaceIn(s, lt + 1, gt)) return undefined;
    if (gt === lt + 1) return undefined;
    return { dnStart: start, dnEnd, quoted, uriStart: lt + 1, uriEnd: gt, restStart: gt + 1 };
  }
  // addr-spec: URI params and header params are ambiguous, so every ';' belongs to the header.
  let semi = s.indexOf(";", start);
  if (semi < 0 || semi > end) semi = end;
  let uriEnd = semi;
  while (uriEnd > start && isSpace(s.charCodeAt(uriEnd - 1))) uriEnd--;
  // An addr-spec with `,` `?` or spaces must have been put in <> (RFC 3261 §20, RFC 4475 §3.1.2.13).
  let colon = -1;
  for (let k = start; k < uriEnd; k++) {
    const c = s.charCodeAt(k);
    if (isSpace(c) || c === 44 || c === 63 || c === 60 || c === 62 || c === 34) return undefined;
    if (c === 58 && colon < 0) colon = k;
  }
  if (colon <= start) return undefined;
  return { dnStart: start, dnEnd: start, quoted: false, uriStart: start, uriEnd, restStart: semi };
}

/** True when the value is a well-formed name-addr / addr-spec (what parseNameAddr accepts), without building it. */
export function isNameAddr(value: string): boolean {
  // A value that trims to "*" has no ':' and never scans, so the rare star test can come second.
  return scanNameAddr(value) !== undefined || value.trim() === "*";
}

/** Parses a name-addr (`"Bob" <sip:bob@x>;tag=1`) or addr-spec (`sip:bob@x;tag=1`) with header params. */
export function parseNameAddr(value: string): NameAddr | undefined {
  const sh = scanNameAddr(value);
  if (sh === undefined) return value.trim() === "*" ? { uri: "*", params: new Map() } : undefined;
  const na: NameAddr = { uri: value.slice(sh.uriStart, sh.uriEnd), params: new Map() };
  if (sh.dnEnd > sh.dnStart) {
    na.displayName = sh.quoted ? readQuoted(value, sh.dnStart)[0] : value.slice(sh.dnStart, sh.dnEnd).split(/\s+/).join(" ");
  }
  if (sh.restStart < value.length) {
    parseParams(value.slice(sh.restStart), na.params);
    const tag = na.params.get("tag");
    if (typeof tag === "string") na.tag = tag;
  }
  return na;
}

/** Serializes a name-addr, always in the `<uri>` form. */
export function formatNameAddr(na: NameAddr): string {
  if (na.uri === "*") return "*";
  const dn = na.displayName !== undefined && na.displayName.length ? `${quote(na.displayName)} ` : "";
  return `${dn}<${na.uri}>${formatParams(na.params)}`;
}

/** Index of the `<` opening a name-addr's URI, skipping a quoted display name. */
function findAngle(s: string, from = 0): number {
  const lt = s.indexOf("<", from);
  const dq = s.indexOf('"', from);
  if (dq < 0 || (lt >= 0 && lt < dq)) return lt;
  for (let i = dq; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) i = quotedEnd(s, i) - 1;
    else if (c === 60) return i;
  }
  return -1;
}

/** Index just after the quoted-string starting at `start` (or the string's end if unterminated). */
function quotedEnd(s: string, start: number): number {
  const close = plainQuoteClose(s, start);
  if (close >= 0) return close + 1;
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i + 1;
  }
  return s.length;
}

/** Parses `4711 INVITE`. */
export function parseCSeq(value: string): CSeq | undefined {
  const s = trim(value);
  let i = 0;
  while (i < s.length && !isSpace(s.charCodeAt(i))) i++;
  const seq = parseDigits(s.slice(0, i), 10);
  // RFC 3261 §8.1.1.5: the sequence number must be below 2**31.
  if (seq === undefined || seq > 0x7fffffff) return undefined;
  const method = trim(s.slice(i));
  if (method.length === 0 || !isToken(method)) return undefined;
  return { seq, method };
}

/** Parses `application/sdp; charset=utf-8`. */
export function parseMediaType(value: string): MediaType | undefined {
  const semi = value.indexOf(";");
  const main = (semi < 0 ? value : value.slice(0, semi)).trim();
  const slash = main.indexOf("/");
  if (slash <= 0) return undefined;
  const type = main.slice(0, slash).trim();
  const subtype = main.slice(slash + 1).trim();
  if (!isToken(type) || !isToken(subtype)) return undefined;
  const params = semi < 0 ? new Map<string, string | null>() : parseParams(value.slice(semi));
  return { type, subtype, mime: `${type}/${subtype}`.toLowerCase(), params };
}

/** Parses a Reason value: `Q.850;cause=16;text="Normal call clearing"`. */
export function parseReason(value: string): ReasonValue | undefined {
  const semi = value.indexOf(";");
  const protocol = (semi < 0 ? value : value.slice(0, semi)).trim();
  if (protocol.length === 0 || !isToken(protocol)) return undefined;
  const params = semi < 0 ? new Map<string, string | null>() : parseParams(value.slice(semi));
  const r: ReasonValue = { protocol, params };
  const cause = params.get("cause");
  if (typeof cause === "string" && /^\d{1,6}$/.test(cause)) r.cause = Number(cause);
  const text = params.get("text");
  if (typeof text === "string") r.text = text;
  return r;
}

/** Parses `Digest realm="x", nonce="y", qop="auth,auth-int"` (challenge or credentials). */
export function parseAuthValue(value: string): AuthValue | undefined {
  const s = value.trim();
  let i = 0;
  while (i < s.length && !isSpace(s.charCodeAt(i))) i++;
  const scheme = s.slice(0, i);
  if (scheme.length === 0 || !isToken(scheme)) return undefined;
  const params = new Map<string, string>();
  const n = s.length;
  while (i < n) {
    while (i < n && (isSpace(s.charCodeAt(i)) || s.charCodeAt(i) === 44)) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && s.charCodeAt(j) !== 61 && s.charCodeAt(j) !== 44 && !isSpace(s.charCodeAt(j))) j++;
    const name = s.slice(i, j).toLowerCase();
    while (j < n && isSpace(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) !== 61) {
      if (name.length === 0) return undefined;
      params.set(name, "");
      i = j;
      continue;
    }
    j++;
    while (j < n && isSpace(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) === 34) {
      const [v, end] = readQuoted(s, j);
      params.set(name, v);
      i = end;
    } else {
      let k = j;
      while (k < n && s.charCodeAt(k) !== 44) k++;
      params.set(name, s.slice(j, k).trim());
      i = k;
    }
  }
  return { scheme, params };
}

/** Reads a quoted-string starting at `start` (which holds `"`); returns [unescaped value, index after the closing quote]. */
export function readQuoted(s: string, start: number): [string, number] {
  const close = plainQuoteClose(s, start);
  if (close >= 0) return [s.slice(start + 1, close), close + 1];
  let out = "";
  let i = start + 1;
  let runStart = i;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 92 && i + 1 < s.length) {
      out += s.slice(runStart, i) + s[i + 1];
      i += 2;
      runStart = i;
    } else if (c === 34) {
      return [out + s.slice(runStart, i), i + 1];
    } else i++;
  }
  // Unterminated: take the rest, so a caller never loops forever.
  return [out + s.slice(runStart), s.length];
}

/** Index of the `"` closing the quoted-string at `start` when no escape comes before it, else -1. */
function plainQuoteClose(s: string, start: number): number {
  // Escapes are rare: two native searches then replace a char loop.
  const close = s.indexOf('"', start + 1);
  const bs = s.indexOf("\\", start + 1);
  return close > 0 && (bs < 0 || bs > close) ? close : -1;
}

/** Quotes a string, escaping `"` and `\`. */
export function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

function needsQuote(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 32 || c === 34 || c === 59 || c === 44 || c === 92 || c === 127) return true;
  }
  return v.length === 0;
}

/** s.trim(), skipping the call when both ends are visible ASCII: trim is slow on the sliced strings header values are. */
export function trim(s: string): string {
  const n = s.length;
  return n > 0 && isVisible(s.charCodeAt(0)) && isVisible(s.charCodeAt(n - 1)) ? s : s.trim();
}

/** No character String.prototype.trim removes lies in 0x21–0x7E. */
function isVisible(c: number): boolean {
  return c > 32 && c < 127;
}

/** True when s starts with `prefix`, compared char by char (startsWith is slow on sliced strings). */
function hasPrefix(s: string, prefix: string): boolean {
  if (s.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (s.charCodeAt(i) !== prefix.charCodeAt(i)) return false;
  return true;
}

/** s.slice(from, to) without surrounding whitespace. */
function trimmedSlice(s: string, from: number, to: number): string {
  while (from < to && isSpace(s.charCodeAt(from))) from++;
  while (to > from && isSpace(s.charCodeAt(to - 1))) to--;
  return s.slice(from, to);
}

/** Lowercases only when needed (parameter names are nearly always lowercase already). */
function lower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

/** True when s[from, to) holds a space, tab, CR or LF. */
function hasSpaceIn(s: string, from: number, to: number): boolean {
  // Four native searches beat one char loop: the values are sliced strings, slow to index char by char.
  return (
    isBefore(s.indexOf(" ", from), to) || isBefore(s.indexOf("\t", from), to) ||
    isBefore(s.indexOf("\r", from), to) || isBefore(s.indexOf("\n", from), to)
  );
}

function isBefore(index: number, to: number): boolean {
  return index >= 0 && index < to;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/** RFC 3261 token: alphanumerics and `-.!%*_+\`'~`. */
export function isToken(s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

function isTokenChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ||
    c === 45 || c === 46 || c === 33 || c === 37 || c === 42 || c === 95 || c === 43 || c === 96 || c === 39 || c === 126
  );
}
