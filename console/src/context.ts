import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api } from "./api.js";
import type { SignedInUser } from "./auth.js";

/** Who is signed in, and the API as them: what every view needs. */
export interface ConsoleContext {
  api: Api;
  user: SignedInUser;
}

export const Console = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const value = useContext(Console);
  if (!value) throw new Error("useConsole outside the signed-in console");
  return value;
}
