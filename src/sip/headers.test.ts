import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalName, Headers, knownNameAt, nameInfo } from "./headers.js";
import { formatNameAddr, formatVia, isNameAddr, parseNameAddr, parseVia, splitList, trim } from "./headers-typed.js";

test("names are case-insensitive, compact forms canonical, unknown names kept as written", () => {
  const h = new Headers();
  h.append("v", "SIP/2.0/UDP a;branch=z9hG4bK1").append("CALL-ID", "x").append("X-Custom-Thing", "1").append("cseq", "1 INVITE");
  assert.deepEqual(h.entries().map(([n]) => n), ["Via", "Call-ID", "X-Custom-Thing", "CSeq"]);
  assert.equal(h.get("via"), "SIP/2.0/UDP a;branch=z9hG4bK1");
  assert.equal(h.get("i"), "x");
  assert.equal(h.get("x-custom-thing"), "1");
  assert.equal(canonicalName("www-authenticate"), "WWW-Authenticate");
  for (const [c, full] of [["m", "Contact"], ["e", "Content-Encoding"], ["l", "Content-Length"], ["c", "Content-Type"], ["f", "From"],
    ["s", "Subject"], ["k", "Supported"], ["t", "To"], ["o", "Event"], ["u", "Allow-Events"], ["r", "Refer-To"], ["b", "Referred-By"],
    ["x", "Session-Expires"], ["y", "Identity"], ["a", "Accept-Contact"]]) {
    assert.equal(canonicalName(c!), full);
    assert.equal(canonicalName(c!.toUpperCase()), full);
  }
});

test("knownNameAt (the parser's in-place lookup) resolves names in any case as nameInfo does", () => {
  const spellings = ["Via", "via", "VIA", "vIa", "Call-ID", "call-id", "CALL-ID", "Content-Length", "content-LENGTH",
    "WWW-Authenticate", "www-authenticate", "Session-Expires", "i", "I", "m", "l", "v", "V", "x"];
  for (const n of spellings) {
    const text = `Xx${n}: 1`;
    assert.deepEqual(knownNameAt(text, 2, 2 + n.length), nameInfo(n), n);
  }
  for (const n of ["X-Custom", "Vib", "g", "Call-IE", "Contact-", "", "!", "Via".padEnd(40, "x"), "Call\rID", "Call\u000dID", "Ca@l-ID"]) {
    assert.equal(knownNameAt(`${n}:`, 0, n.length), undefined, n);
  }
});

test("trim (which skips the call when it can) agrees with String.prototype.trim", () => {
  const ends = ["", " ", "\t", "\r\n", "\u00a0", "\ufeff", "\u2028", "\u3000", "\v", "\f", "x", "~", "!", "\u00e9"];
  for (const a of ends) for (const b of ends) for (const mid of ["", "a", "a b", "*"]) {
    const v = `${a}${mid}${b}`;
    assert.equal(trim(v), v.trim(), JSON.stringify(v));
  }
});

test("list headers split on commas outside quotes and <>; others never split", () => {
  const h = new Headers();
  h.append("Contact", '"Doe, John" <sip:a,b@h>;q=0.5, <sip:c@h>');
  h.append("Contact", "<sip:d@h>");
  h.append("WWW-Authenticate", 'Digest realm="a", nonce="b"');
  h.append("Date", "Sat, 13 Nov 2010 23:29:00 GMT");
  assert.deepEqual(h.getAll("contact"), ['"Doe, John" <sip:a,b@h>;q=0.5', "<sip:c@h>", "<sip:d@h>"]);
  assert.equal(h.get("contact"), '"Doe, John" <sip:a,b@h>;q=0.5');
  assert.equal(h.contacts()[0]?.displayName, "Doe, John");
  assert.equal(h.contacts()[0]?.uri, "sip:a,b@h");
  assert.deepEqual(h.getAll("www-authenticate"), ['Digest realm="a", nonce="b"']);
  assert.equal(h.get("date"), "Sat, 13 Nov 2010 23:29:00 GMT");
  assert.deepEqual(h.getLines("contact").length, 2);
  assert.deepEqual(splitList('a, "b,c", <d,e>, ,f'), ["a", '"b,c"', "<d,e>", "f"]);
});

test("set, remove, prepend and removeFirst keep order and refresh the structured views", () => {
  const h = new Headers();
  h.append("Via", "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2").append("To", "<sip:x@y>").append("Via", "SIP/2.0/UDP c;branch=z9hG4bK3");
  assert.equal(h.via()?.host, "a");
  assert.equal(h.removeFirst("via"), "SIP/2.0/UDP a;branch=z9hG4bK1");
  assert.equal(h.via()?.host, "b");
  assert.deepEqual(h.vias().map((v) => v.host), ["b", "c"]);
  h.prepend("Via", "SIP/2.0/TCP z;branch=z9hG4bK0");
  assert.equal(h.via()?.transport, "TCP");
  h.set("to", "<sip:x@y>;tag=abc");
  assert.equal(h.to()?.tag, "abc");
  assert.equal(h.entries()[2]?.[0], "To");
  assert.equal(h.remove("VIA"), 3);
  assert.equal(h.has("via"), false);
  assert.equal(h.via(), undefined);
  const copy = Headers.from(h);
  copy.append("X-A", "1");
  assert.equal(h.has("x-a"), false);
});

test("Via: sent-by, IPv6, branch, rport, received; bad ones are undefined", () => {
  const v = parseVia("SIP/2.0/udp [2001:db8::1]:5062;branch=z9hG4bKx;rport=5070;received=192.0.2.1;maddr=1.2.3.4")!;
  assert.deepEqual([v.protocol, v.transport, v.host, v.port, v.branch, v.rport, v.received], ["SIP/2.0", "UDP", "[2001:db8::1]", 5062, "z9hG4bKx", 5070, "192.0.2.1"]);
  assert.equal(parseVia("SIP/2.0/UDP h;rport")?.rport, true);
  assert.equal(parseVia(formatVia(v))?.branch, "z9hG4bKx");
  for (const bad of ["", "SIP/2.0 h", "SIP/2.0/UDP", "SIP/2.0/UDP h:99999", "SIP/2.0/UDP h;;", "SIP/2.0/UDP h;", "SIP/2.0/UDP h;branch=\"x\";;", "SIP/2.0/UDP [::1"]) {
    assert.equal(parseVia(bad), undefined, bad);
  }
});

test("name-addr: quoted names with escapes, addr-spec params belong to the header, round trip", () => {
  const a = parseNameAddr('"A \\"B\\" C" <sip:a@h;transport=tcp>;tag=9;expires=60')!;
  assert.equal(a.displayName, 'A "B" C');
  assert.equal(a.uri, "sip:a@h;transport=tcp");
  assert.equal(a.tag, "9");
  assert.equal(a.params.get("expires"), "60");
  assert.deepEqual(parseNameAddr(formatNameAddr(a)), a);
  const b = parseNameAddr("sip:a@h;tag=1")!;
  assert.equal(b.uri, "sip:a@h");
  assert.equal(b.tag, "1");
  assert.equal(parseNameAddr("*")?.uri, "*");
  for (const bad of ["", "<sip:a@h", "Bell, A <sip:a@h>", "< sip:a@h >", "sip:a@h?x=1", '"open <sip:a@h>']) {
    assert.equal(parseNameAddr(bad), undefined, bad);
  }
});

test("CSeq, Reason, Content-Type, Max-Forwards and auth headers are read lazily", () => {
  const h = new Headers();
  h.append("CSeq", "4711 BYE");
  h.append("Reason", 'Q.850;cause=16;text="Normal call clearing", SIP;cause=200;text="Call completed elsewhere"');
  h.append("c", "application/sdp; charset=UTF-8");
  h.append("Max-Forwards", "69");
  h.append("Content-Length", "12");
  h.append("Proxy-Authenticate", 'Digest realm="r, s", nonce="n", qop="auth,auth-int", algorithm=SHA-256');
  assert.deepEqual(h.cseq(), { seq: 4711, method: "BYE" });
  assert.deepEqual(h.reasons().map((r) => [r.protocol, r.cause, r.text]), [["Q.850", 16, "Normal call clearing"], ["SIP", 200, "Call completed elsewhere"]]);
  assert.equal(h.contentType()?.mime, "application/sdp");
  assert.equal(h.contentType()?.params.get("charset"), "UTF-8");
  assert.equal(h.maxForwards(), 69);
  assert.equal(h.contentLength(), 12);
  const ch = h.proxyAuthenticate()[0]!;
  assert.equal(ch.scheme, "Digest");
  assert.equal(ch.params.get("realm"), "r, s");
  assert.equal(ch.params.get("qop"), "auth,auth-int");
  h.set("CSeq", "2147483648 INVITE");
  assert.equal(h.cseq(), undefined);
});

test("isNameAddr (the parser's allocation-free check) agrees with parseNameAddr", () => {
  const samples = [
    '"A" <sip:a@h>;tag=1', "A B <sip:a@h>", "caller<sip:c@h>", "sip:a@h;tag=2", "<sip:a@h>", "*", " * ", "",
    "<sip:a@h", "Bell, A <sip:a@h>", "< sip:a@h >", "sip:a@h?x=1", '"open <sip:a@h>', "<>", "nocolon", ":x",
    '"q\\"x" <tel:+1>', "<urn:service:sos>;x", 'x"y <sip:a@h>', "sip:a@h ;tag=3", "\t<sip:a@h>\t",
  ];
  for (const v of samples) assert.equal(isNameAddr(v), parseNameAddr(v) !== undefined, JSON.stringify(v));
});
