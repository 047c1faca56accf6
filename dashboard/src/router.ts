import { useEffect, useState } from "react";

/** The dashboard's pages; the hash keeps them bookmarkable without server-side routes. */
export type Route =
  | { readonly page: "calls" }
  | { readonly page: "call"; readonly callId: string }
  | { readonly page: "agents" }
  | { readonly page: "numbers" }
  | { readonly page: "reasons" };

/** Reads a route from a location hash such as `#/calls/call_abc`. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "calls" && parts[1]) return { page: "call", callId: parts[1] };
  if (parts[0] === "agents") return { page: "agents" };
  if (parts[0] === "numbers") return { page: "numbers" };
  if (parts[0] === "reasons") return { page: "reasons" };
  return { page: "calls" };
}

/** The hash link for a route. */
export function href(route: Route): string {
  return route.page === "call" ? `#/calls/${encodeURIComponent(route.callId)}` : `#/${route.page}`;
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
