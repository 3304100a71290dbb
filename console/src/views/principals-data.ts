import type { Api } from "../api.js";
import { useConsole } from "../context.js";
import { useLoad } from "../ui.js";

/** A principal as `GET /keyhold/principals` lists it: a user has a user name, the others a client id. */
export interface PrincipalItem {
  id: string;
  userName?: string;
  clientId?: string;
  displayName: string;
  /** "user", "servicePrincipal" or "managedIdentity". */
  type: string;
  createdAt: string | null;
}

/** Every principal of the server (an administrator's read; others get a 403). */
export function usePrincipals(): { data: PrincipalItem[] | null; error: unknown; reload: () => void } {
  const { api } = useConsole();
  return useLoad(() => api.admin<PrincipalItem[]>("GET", "/keyhold/principals"), []);
}

/** How a principal is named to a person: its user name or display name, else its id. */
export function principalLabel(id: string, principals: readonly PrincipalItem[] | null): string {
  const found = principals?.find((p) => p.id.toLowerCase() === id.toLowerCase());
  if (!found) return id;
  return found.userName ?? found.displayName ?? id;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The principal id a person typed, or the id of the user whose name they typed (the server resolves it). */
export async function resolvePrincipalId(api: Api, given: string): Promise<string> {
  const trimmed = given.trim();
  if (GUID.test(trimmed)) return trimmed;
  return (await api.admin<PrincipalItem>("GET", `/keyhold/users/${encodeURIComponent(trimmed)}`)).id;
}
