import { createContext, useContext } from "react";
import type { Api } from "./api.js";
import type { ReasonRow } from "./types.js";

/** What every signed-in page needs: the API client and the reason catalogue. */
export interface Session {
  readonly api: Api;
  readonly reasons: ReadonlyMap<string, ReasonRow>;
}

export const SessionContext = createContext<Session | undefined>(undefined);

/** The signed-in session; pages render only inside one. */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a signed-in page");
  return s;
}
