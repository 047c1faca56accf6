import { useEffect, useState } from "react";

/** The dashboard's pages; the hash keeps them bookmarkable without server-side routes. */
export type Route =
  /** `params` holds the Calls page's filters, so a filtered view can be bookmarked and shared. */
  | { readonly page: "calls"; readonly params?: Readonly<Record<string, string>> }
  | { readonly page: "call"; readonly callId: string }
  | { readonly page: "agents" }
  | { readonly page: "numbers" }
  | { readonly page: "reasons" };

/** Reads a route from a location hash such as `#/calls/call_abc`. */
export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const parts = path.split("/").filter(Boolean).map(safeDecode);
  if (parts[0] === "calls" && parts[1]) return { page: "call", callId: parts[1] };
  if (parts[0] === "agents") return { page: "agents" };
  if (parts[0] === "numbers") return { page: "numbers" };
  if (parts[0] === "reasons") return { page: "reasons" };
  const params = Object.fromEntries(new URLSearchParams(query));
  return Object.keys(params).length > 0 ? { page: "calls", params } : { page: "calls" };
}

/** decodeURIComponent that leaves a malformed escape as typed instead of throwing. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The hash link for a route. */
export function href(route: Route): string {
  if (route.page === "call") return `#/calls/${encodeURIComponent(route.callId)}`;
  if (route.page === "calls" && route.params && Object.keys(route.params).length > 0) return `#/calls?${new URLSearchParams(route.params).toString()}`;
  return `#/${route.page}`;
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}
