// SIP/SIPS/tel URIs (RFC 3261 §19.1, RFC 3966): parse to parts with %-escapes decoded, serialize with
// escapes put back where the grammar needs them.
import { parseHostPort, type Params } from "./headers-typed.js";

export interface SipUri {
  scheme: "sip" | "sips" | "tel";
  /** Decoded user part; for tel: the number (e.g. "+1-201-555-0123"). */
  user?: string;
  password?: string;
  /** Host as written; IPv6 references keep their brackets. Empty for tel URIs. */
  host: string;
  port?: number;
  /** URI parameters: lowercase name → decoded value (null for a flag such as `lr`). */
  params: Params;
  /** URI headers after `?`: name → decoded value, in order. */
  headers: Array<[string, string]>;
}

/** Parses a sip:, sips: or tel: URI; undefined when it is not one or is malformed. */
export function parseUri(input: string): SipUri | undefined {
  const s = input.trim();
  const colon = s.indexOf(":");
  if (colon <= 0) return undefined;
  const scheme = s.slice(0, colon).toLowerCase();
  if (scheme !== "sip" && scheme !== "sips" && scheme !== "tel") return undefined;
  const rest = s.slice(colon + 1);
  if (rest.length === 0) return undefined;
  if (scheme === "tel") {
    const semi = rest.indexOf(";");
    const num = decode(semi < 0 ? rest : rest.slice(0, semi));
    if (num === undefined || num.length === 0) return undefined;
    const params = semi < 0 ? new Map() : parseUriParams(rest.slice(semi + 1));
    if (params === undefined) return undefined;
    return { scheme, user: num, host: "", params, headers: [] };
  }
  if (/[\s<>"]/.test(rest)) return undefined;
  const uri: SipUri = { scheme, host: "", params: new Map(), headers: [] };
  let hostStart = 0;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const pc = userinfo.indexOf(":");
    const user = decode(pc < 0 ? userinfo : userinfo.slice(0, pc));
    if (user === undefined) return undefined;
    uri.user = user;
    if (pc >= 0) {
      const pw = decode(userinfo.slice(pc + 1));
      if (pw === undefined) return undefined;
      uri.password = pw;
    }
    hostStart = at + 1;
  }
  let hostEnd = hostStart;
  if (rest.charCodeAt(hostStart) === 91) {
    const close = rest.indexOf("]", hostStart);
    if (close < 0) return undefined;
    hostEnd = close + 1;
  }
  while (hostEnd < rest.length && rest.charCodeAt(hostEnd) !== 59 && rest.charCodeAt(hostEnd) !== 63) hostEnd++;
  const hp = parseHostPort(rest.slice(hostStart, hostEnd));
  if (hp === undefined) return undefined;
  uri.host = hp.host;
  if (hp.port !== undefined) uri.port = hp.port;
  let i = hostEnd;
  if (rest.charCodeAt(i) === 59) {
    const q = rest.indexOf("?", i);
    const params = parseUriParams(rest.slice(i + 1, q < 0 ? rest.length : q));
    if (params === undefined) return undefined;
    uri.params = params;
    i = q < 0 ? rest.length : q;
  }
  if (rest.charCodeAt(i) === 63) {
    for (const pair of rest.slice(i + 1).split("&")) {
      if (pair.length === 0) continue;
      const eq = pair.indexOf("=");
      const name = decode(eq < 0 ? pair : pair.slice(0, eq));
      const value = decode(eq < 0 ? "" : pair.slice(eq + 1));
      if (name === undefined || value === undefined) return undefined;
      uri.headers.push([name, value]);
    }
  }
  return uri;
}

/** Serializes a URI, %-escaping characters the user, password, params and headers may not carry raw. */
export function formatUri(u: SipUri): string {
  let out = `${u.scheme}:`;
  if (u.scheme === "tel") out += escape(u.user ?? "", TEL_OK);
  else {
    if (u.user !== undefined) {
      out += escape(u.user, USER_OK);
      if (u.password !== undefined) out += `:${escape(u.password, PASSWORD_OK)}`;
      out += "@";
    }
    out += u.host.includes(":") && !u.host.startsWith("[") ? `[${u.host}]` : u.host;
    if (u.port !== undefined) out += `:${u.port}`;
  }
  for (const [k, v] of u.params) out += v === null ? `;${escape(k, PARAM_OK)}` : `;${escape(k, PARAM_OK)}=${escape(v, PARAM_OK)}`;
  if (u.headers.length) {
    out += `?${u.headers.map(([k, v]) => `${escape(k, HEADER_OK)}=${escape(v, HEADER_OK)}`).join("&")}`;
  }
  return out;
}

/** The transport a URI asks for (its `transport` param, else TLS for sips:, else UDP), upper-case. */
export function uriTransport(u: SipUri): string {
  const t = u.params.get("transport");
  if (typeof t === "string" && t.length) return t.toUpperCase();
  return u.scheme === "sips" ? "TLS" : "UDP";
}

function parseUriParams(s: string): Params | undefined {
  const params: Params = new Map();
  for (const part of s.split(";")) {
    if (part.length === 0) continue;
    const eq = part.indexOf("=");
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    if (name === undefined || name.length === 0) return undefined;
    if (eq < 0) params.set(name.toLowerCase(), null);
    else {
      const v = decode(part.slice(eq + 1));
      if (v === undefined) return undefined;
      params.set(name.toLowerCase(), v);
    }
  }
  return params;
}

/** Decodes %XX escapes (bytes → UTF-8; invalid UTF-8 kept byte-wise); undefined for a broken escape. */
function decode(s: string): string | undefined {
  if (s.indexOf("%") < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      const h = parseInt(s.slice(i + 1, i + 3), 16);
      if (i + 2 >= s.length || Number.isNaN(h) || !/^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) return undefined;
      bytes.push(h);
      i += 2;
    } else if (c < 128) bytes.push(c);
    else for (const b of Buffer.from(s[i]!, "utf8")) bytes.push(b);
  }
  return Buffer.from(bytes).toString("utf8");
}

const UNRESERVED = "-_.!~*'()";
const USER_OK = new Set(`${UNRESERVED}&=+$,;?/`);
const PASSWORD_OK = new Set(`${UNRESERVED}&=+$,`);
const PARAM_OK = new Set(`${UNRESERVED}[]/:&+$`);
const HEADER_OK = new Set(`${UNRESERVED}[]/?:+$`);
const TEL_OK = new Set(`${UNRESERVED}+#*`);

function escape(s: string, ok: Set<string>): string {
  let out = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (alnum || ok.has(ch)) out += ch;
    else for (const b of Buffer.from(ch, "utf8")) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
