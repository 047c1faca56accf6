import { useCallback, useEffect, useState } from "react";
import { messageOf } from "./api.js";
import { useSession } from "./session.js";
import type { AgentSummary } from "./types.js";

/** The state of one load: data, or an error message, while `loading` says whether one runs. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Runs `load` whenever `deps` change; a stale answer (deps changed meanwhile) is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: string | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (err: unknown) => live && setState((s) => ({ data: s.data, error: messageOf(err), loading: false })),
    );
    return () => {
      live = false;
    };
    // The caller names what the load depends on, as with useEffect.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Every agent of the workspace (summaries), for pickers. */
export function useAgents(): Loaded<readonly AgentSummary[]> {
  const { api } = useSession();
  return useLoad(async () => (await api.post<{ items: AgentSummary[] }>("/v2/list-agents?limit=1000", {})).items, [api]);
}

/** Whether a media query matches now, following changes (e.g. a phone turned sideways). */
export function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const m = matchMedia(query);
    const on = () => setMatches(m.matches);
    on();
    m.addEventListener("change", on);
    return () => m.removeEventListener("change", on);
  }, [query]);
  return matches;
}
