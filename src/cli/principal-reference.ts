import type { KeyholdClient } from "./keyhold-client.js";

/** The help text of an option that names a principal either way. */
export const PRINCIPAL_REFERENCE = "the principal's object (client) id, or a user's user name (alice@example.org)";

/**
 * The object id of a principal named on the command line: an id as given, or, for a value with an `@` (only user
 * names have one), the id of the user of that name, looked up on the server. An unknown user name fails there with
 * PrincipalNotFound, before anything is granted.
 */
export async function principalIdOf(client: KeyholdClient, idOrUserName: string): Promise<string> {
  if (!idOrUserName.includes("@")) return idOrUserName;
  const user = (await client.call("GET", `/keyhold/users/${encodeURIComponent(idOrUserName)}`)) as { id: string };
  return user.id;
}
