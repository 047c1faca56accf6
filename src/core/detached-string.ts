/**
 * A copy of `s` that does not keep alive the string it was cut from. V8 keeps a substring of 13 or
 * more characters as a view of its parent, so a Call-ID or branch read from a SIP message and kept
 * for seconds as a map key would keep the whole message text with it. Concatenating flattens into a
 * new string; slicing then views that one instead.
 */
export function detached(s: string): string {
  return (" " + s).slice(1);
}
