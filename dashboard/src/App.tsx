import { useCallback, useEffect, useMemo, useState } from "react";
import { Api, ApiFailure, messageOf, storedKey, storeKey } from "./api.js";
import { href, useRoute, type Route } from "./router.js";
import { SessionContext, type Session } from "./session.js";
import type { ReasonRow } from "./types.js";
import { SignIn } from "./pages/SignIn.js";
import { CallsPage } from "./pages/CallsPage.js";
import { CallDetailPage } from "./pages/CallDetailPage.js";
import { AgentsPage } from "./pages/AgentsPage.js";
import { NumbersPage } from "./pages/NumbersPage.js";
import { ReasonsPage } from "./pages/ReasonsPage.js";

const NAV: readonly { readonly route: Route; readonly label: string }[] = [
  { route: { page: "calls" }, label: "Calls" },
  { route: { page: "agents" }, label: "Agents" },
  { route: { page: "numbers" }, label: "Phone numbers" },
  { route: { page: "reasons" }, label: "Reasons" },
];

/** Signs in with an API key, then shows the page the hash names. */
export function App() {
  const route = useRoute();
  const [key, setKey] = useState<string | undefined>(() => storedKey());
  const [session, setSession] = useState<Session | undefined>();
  const [signInError, setSignInError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const signOut = useCallback((why?: string) => {
    storeKey(undefined);
    setKey(undefined);
    setSession(undefined);
    setSignInError(why);
  }, []);

  const open = useCallback(async (candidate: string) => {
    setBusy(true);
    setSignInError(undefined);
    const api = new Api(candidate, () => signOut("Your API key was refused (401 invalid API key). Sign in again."));
    try {
      // The catalogue needs the key, so fetching it also checks the key.
      const rows = await new Api(candidate).get<ReasonRow[]>("/parley/v1/disconnection-reasons");
      storeKey(candidate);
      setKey(candidate);
      setSession({ api, reasons: new Map(rows.map((r) => [r.reason, r])) });
    } catch (err) {
      storeKey(undefined);
      setKey(undefined);
      setSignInError(err instanceof ApiFailure && err.status === 401 ? `Sign-in failed: ${err.message}` : `Sign-in failed: ${messageOf(err)}`);
    } finally {
      setBusy(false);
    }
  }, [signOut]);

  useEffect(() => {
    if (key && !session) void open(key);
    // Only on first load: a stored key from earlier in this tab.
  }, []);

  const title = useMemo(() => NAV.find((n) => n.route.page === (route.page === "call" ? "calls" : route.page))?.label ?? "Parley", [route]);
  useEffect(() => {
    document.title = `${route.page === "call" ? `Call ${route.callId}` : title} · Parley`;
  }, [route, title]);

  return (
    <>
      {/* The hash is the router's: move focus instead of navigating to "#main". */}
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>Skip to content</a>
      <header className="top">
        <a className="brand" href={href({ page: "calls" })}>Parley</a>
        {session && (
          <nav aria-label="Main">
            <ul>
              {NAV.map((n) => {
                const current = n.route.page === route.page || (n.route.page === "calls" && route.page === "call");
                return (
                  <li key={n.label}>
                    <a href={href(n.route)} aria-current={current ? "page" : undefined}>{n.label}</a>
                  </li>
                );
              })}
            </ul>
          </nav>
        )}
        {session && <button type="button" className="ghost" onClick={() => signOut()}>Sign out</button>}
      </header>
      <main id="main" tabIndex={-1}>
        {!session ? (
          <SignIn busy={busy || (key !== undefined && !signInError)} error={signInError} onSubmit={(k) => void open(k)} />
        ) : (
          <SessionContext.Provider value={session}>
            {route.page === "calls" && <CallsPage params={route.params} />}
            {route.page === "call" && <CallDetailPage key={route.callId} callId={route.callId} />}
            {route.page === "agents" && <AgentsPage />}
            {route.page === "numbers" && <NumbersPage />}
            {route.page === "reasons" && <ReasonsPage />}
          </SessionContext.Provider>
        )}
      </main>
    </>
  );
}
