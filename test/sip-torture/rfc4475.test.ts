// RFC 4475 torture messages against Parley's message parser.
//
// Fixtures are the RFC's own files (Appendix B of RFC 4475), byte for byte, sorted by the RFC's sections:
//   valid/     §3.1.1: every one must parse; several have their values checked below.
//   invalid/   §3.1.2: syntax errors; every one must be rejected, with the error code a transport maps to
//              400 (or 505 for badvers) and, where the RFC wants an answer, enough headers to build it.
//   semantic/  §3.2, §3.3 and §3.4: syntactically fine messages whose fault is for another layer to judge
//              (transaction matching, the UAS/registrar/proxy core). A transport-level parser cannot and
//              must not reject them, except the three the RFC says are framing/uniqueness errors (insuf,
//              multi01, mcl01: 400). For the rest the test pins the value the upper layer needs to decide.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { parseMessage, type ParseErrorCode } from "../../src/sip/parse.js";
import { serializeMessage } from "../../src/sip/serialize.js";
import { parseUri } from "../../src/sip/uri.js";
import type { SipMessage, SipRequest, SipResponse } from "../../src/sip/message.js";

const here = dirname(fileURLToPath(import.meta.url));
const load = (dir: string, name: string): Buffer => readFileSync(join(here, dir, `${name}.dat`));

function parsed(dir: string, name: string): SipMessage {
  const r = parseMessage(load(dir, name));
  if (!r.ok) assert.fail(`${name}: ${r.error.code} ${r.error.message}`);
  return r.message;
}
function req(dir: string, name: string): SipRequest {
  const m = parsed(dir, name);
  assert.equal(m.kind, "request", name);
  return m as SipRequest;
}
function res(dir: string, name: string): SipResponse {
  const m = parsed(dir, name);
  assert.equal(m.kind, "response", name);
  return m as SipResponse;
}

test("§3.1.1: every valid torture message parses, and re-parses after serialization", () => {
  const names = readdirSync(join(here, "valid")).filter((f) => f.endsWith(".dat"));
  assert.equal(names.length, 13);
  for (const f of names) {
    const m = parsed("valid", f.slice(0, -4));
    const again = parseMessage(serializeMessage(m));
    assert.ok(again.ok, `${f} round trip: ${again.ok ? "" : again.error.message}`);
    assert.deepEqual(again.message.headers.vias(), m.headers.vias(), f);
    assert.deepEqual(again.message.body, m.body, f);
  }
});

test("§3.1.1.1 wsinv: whitespace, folding, compact forms and odd case read to the right values", () => {
  const m = req("valid", "wsinv");
  assert.equal(m.method, "INVITE");
  assert.equal(m.uri, "sip:vivekg@chair-dnrc.example.com;unknownparam");
  assert.equal(m.headers.to()?.uri, "sip:vivekg@chair-dnrc.example.com");
  assert.equal(m.headers.to()?.tag, "1918181833n");
  assert.equal(m.headers.from()?.displayName, 'J Rosenberg \\"');
  assert.equal(m.headers.from()?.tag, "98asjd8");
  assert.equal(m.headers.maxForwards(), 68);
  assert.deepEqual(m.headers.cseq(), { seq: 9, method: "INVITE" });
  assert.equal(m.headers.contentLength(), 150);
  assert.equal(m.body.length, 150);
  const vias = m.headers.vias();
  assert.deepEqual(
    vias.map((v) => [v.transport, v.host, v.branch]),
    [["UDP", "192.0.2.2", "390skdjuw"], ["TCP", "spindle.example.com", "z9hG4bK9ikj8"], ["UDP", "192.168.255.111", "z9hG4bK30239"]],
  );
  assert.equal(m.headers.get("newfangledheader"), "newfangled value continued newfangled value");
  assert.equal(m.headers.get("UnknownHeaderWithUnusualValue"), ";;,,;;,;");
  assert.equal(m.headers.get("subject"), "");
  const c = m.headers.contact();
  assert.equal(c?.displayName, 'Quoted string ""');
  assert.equal(c?.uri, "sip:jdrosen@example.com");
  assert.equal(c?.params.get("newparam"), "newvalue");
  assert.equal(c?.params.get("secondparam"), null);
  assert.equal(c?.params.get("q"), "0.33");
  assert.equal(m.headers.routes()[0]?.uri, "sip:services.example.com;lr;unknownwith=value;unknown-no-value");
});

test("§3.1.1.2 intmeth: every token character in the method, CSeq method matches", () => {
  const m = req("valid", "intmeth");
  assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
  assert.equal(m.headers.cseq()?.method, m.method);
  assert.equal(m.headers.via()?.branch, "z9hG4bK-.!%66*_+`'~");
  assert.equal(m.headers.to()?.displayName, "BEL:\x07 NUL:\x00 DEL:\x7f");
});

test("§3.1.1.3 esc01 and §3.1.1.4 escnull: %-escapes decoded in URIs, null bytes survive", () => {
  const m = req("valid", "esc01");
  const ruri = parseUri(m.uri);
  assert.equal(ruri?.user, "sips:user@example.com");
  assert.equal(ruri?.host, "example.net");
  assert.equal(parseUri(m.headers.to()!.uri)?.user, "user");
  assert.equal(parseUri(m.headers.from()!.uri)?.user, "I have spaces");
  const contact = parseUri(m.headers.contact()!.uri);
  assert.equal(contact?.user, "caller");
  assert.equal(contact?.params.get("lr"), null);
  assert.equal(contact?.params.get("name"), "value%41");
  const n = req("valid", "escnull");
  assert.equal(parseUri(n.headers.to()!.uri)?.user, "null-\x00-null");
  assert.deepEqual(n.headers.contacts().map((c) => parseUri(c.uri)?.user), ["\x00", "\x00\x00"]);
});

test("§3.1.1.5 esc02: escapes in a method and a header name are not decoded", () => {
  const m = req("valid", "esc02");
  assert.equal(m.method, "RE%47IST%45R");
  assert.equal(m.headers.to()?.displayName, "%Z%45");
  assert.equal(m.headers.contacts().length, 2);
  assert.equal(m.headers.get("C%6Fntact"), "<sip:alias2@host2.example.com>");
});

test("§3.1.1.6 lwsdisp, §3.1.1.7 longreq, §3.1.1.8 dblreq", () => {
  assert.equal(req("valid", "lwsdisp").headers.from()?.displayName, "caller");
  const long = req("valid", "longreq");
  assert.equal(long.headers.to()?.displayName?.startsWith("I have a user name of extremeextreme"), true);
  assert.equal(long.headers.vias().length, 34);
  assert.equal(long.headers.to()?.tag, undefined);
  // Only the first request counts; the trailing INVITE is beyond Content-Length and ignored.
  const dbl = req("valid", "dblreq");
  assert.equal(dbl.method, "REGISTER");
  assert.equal(dbl.body.length, 0);
});

test("§3.1.1.9 semiuri and §3.1.1.10 transports", () => {
  const m = req("valid", "semiuri");
  const u = parseUri(m.uri);
  assert.equal(u?.user, "user;par=u@example.net");
  assert.equal(u?.host, "example.com");
  assert.equal(m.headers.getAll("accept").length, 6);
  const t = req("valid", "transports");
  assert.deepEqual(t.headers.vias().map((v) => v.transport), ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
});

test("§3.1.1.11 mpart01, §3.1.1.12 unreason, §3.1.1.13 noreason", () => {
  const mp = req("valid", "mpart01");
  assert.equal(mp.headers.contentType()?.mime, "multipart/mixed");
  assert.equal(mp.headers.contentType()?.params.get("boundary"), "7a9cbec02ceef655");
  assert.equal(mp.body.length, mp.headers.contentLength());
  const ur = res("valid", "unreason");
  assert.equal(ur.status, 200);
  assert.ok(ur.reason.startsWith("= 2**3 * 5**2 но"), ur.reason);
  const nr = res("valid", "noreason");
  assert.equal(nr.status, 100);
  assert.equal(nr.reason, "");
});

const INVALID: Record<string, { section: string; code: ParseErrorCode }> = {
  badinv01: { section: "3.1.2.1 extraneous header field separators", code: "bad_header" },
  clerr: { section: "3.1.2.2 Content-Length larger than message", code: "bad_content_length" },
  ncl: { section: "3.1.2.3 negative Content-Length", code: "bad_content_length" },
  scalar02: { section: "3.1.2.4 request scalar fields overlarge", code: "bad_header" },
  scalarlg: { section: "3.1.2.5 response scalar fields overlarge", code: "bad_header" },
  quotbal: { section: "3.1.2.6 unterminated quoted display name", code: "bad_header" },
  ltgtruri: { section: "3.1.2.7 <> around the Request-URI", code: "bad_start_line" },
  lwsruri: { section: "3.1.2.8 LWS inside the Request-URI", code: "bad_start_line" },
  lwsstart: { section: "3.1.2.9 multiple SP in the Request-Line", code: "bad_start_line" },
  trws: { section: "3.1.2.10 SP at the end of the Request-Line", code: "bad_start_line" },
  escruri: { section: "3.1.2.11 escaped headers in the Request-URI", code: "bad_start_line" },
  baddate: { section: "3.1.2.12 non-GMT Date", code: "bad_header" },
  regbadct: { section: "3.1.2.13 addr-spec with ? not in <>", code: "bad_header" },
  badaspec: { section: "3.1.2.14 spaces inside <addr-spec>", code: "bad_header" },
  baddn: { section: "3.1.2.15 non-token display name unquoted", code: "bad_header" },
  badvers: { section: "3.1.2.16 unknown SIP version (505)", code: "bad_version" },
  mismatch01: { section: "3.1.2.17 start line and CSeq method mismatch", code: "cseq_mismatch" },
  mismatch02: { section: "3.1.2.18 unknown method, CSeq mismatch", code: "cseq_mismatch" },
  bigcode: { section: "3.1.2.19 overlarge response code", code: "bad_start_line" },
};

test("§3.1.2: every invalid torture message is rejected with the expected code", () => {
  const names = readdirSync(join(here, "invalid")).filter((f) => f.endsWith(".dat")).map((f) => f.slice(0, -4));
  assert.deepEqual(names.sort(), Object.keys(INVALID).sort());
  for (const [name, want] of Object.entries(INVALID)) {
    const r = parseMessage(load("invalid", name));
    assert.equal(r.ok, false, `${name} (${want.section}) was accepted`);
    if (r.ok) continue;
    assert.equal(r.error.code, want.code, `${name} (${want.section}): ${r.error.message}`);
  }
});

test("§3.1.2: rejected requests still expose what a 400/505 response must copy", () => {
  for (const name of ["badinv01", "mismatch01", "badvers", "baddate", "regbadct", "quotbal", "lwsstart"]) {
    const r = parseMessage(load("invalid", name));
    assert.equal(r.ok, false);
    if (r.ok) continue;
    const p = r.error.partial;
    assert.ok(p?.callId, `${name}: Call-ID`);
    assert.ok(p?.cseq, `${name}: CSeq`);
    assert.ok(p?.via, `${name}: Via`);
  }
});

test("§3.2–§3.4: semantic messages parse (the core judges them); framing/uniqueness faults are 400s", () => {
  const reject: Record<string, ParseErrorCode> = { insuf: "missing_header", multi01: "bad_header", mcl01: "bad_content_length" };
  for (const f of readdirSync(join(here, "semantic")).filter((x) => x.endsWith(".dat"))) {
    const name = f.slice(0, -4);
    const r = parseMessage(load("semantic", name));
    const want = reject[name];
    if (want !== undefined) {
      assert.equal(r.ok, false, `${name} accepted`);
      if (!r.ok) assert.equal(r.error.code, want, name);
    } else assert.ok(r.ok, `${name}: ${r.ok ? "" : r.error.message}`);
  }
  // What each upper layer reads to give the RFC's answer:
  // A bare magic cookie identifies no transaction: the transaction layer must not match on it.
  assert.equal(req("semantic", "badbranch").headers.via()?.branch, "z9hG4bK");
  assert.equal(res("semantic", "bcast").headers.vias()[1]?.host, "255.255.255.255"); // a proxy must not forward to it
  assert.equal(req("semantic", "zeromf").headers.maxForwards(), 0); // 483 from a proxy
  assert.equal(parseUri(req("semantic", "unkscm").uri), undefined); // 416
  assert.equal(parseUri(req("semantic", "novelsc").uri), undefined); // 416
  assert.equal(req("semantic", "unksm2").headers.to()?.uri.startsWith("isbn:"), true);
  assert.ok(req("semantic", "bext01").headers.getAll("require").length > 0); // 420
  assert.equal(req("semantic", "invut").headers.contentType()?.mime, "application/unknownformat"); // 415
  assert.equal(req("semantic", "regaut01").headers.authorization()[0]?.scheme, "NoOneKnowsThisScheme"); // 401
  assert.equal(req("semantic", "cparam01").headers.contact()?.params.get("unknownparam"), null);
  assert.equal(parseUri(req("semantic", "cparam02").headers.contact()!.uri)?.params.has("unknownparam"), true);
  assert.ok(parseUri(req("semantic", "regescrt").headers.contact()!.uri)?.headers.length); // registrar refuses
  assert.equal(req("semantic", "sdp01").headers.get("accept"), "text/nobodyKnowsThis"); // 406
  const old = req("semantic", "inv2543"); // RFC 2543 syntax is still accepted
  assert.equal(old.headers.via()?.branch, undefined);
});

test("a request cut anywhere before its end is rejected, never thrown on", () => {
  const full = load("valid", "wsinv");
  for (let cut = 0; cut < full.length; cut++) {
    const r = parseMessage(full.subarray(0, cut));
    assert.equal(r.ok, false, `accepted at ${cut}`);
  }
});
