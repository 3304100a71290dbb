import type { KeyholdClient } from "./keyhold-client.js";

/** A secret's name as an environment variable's: `my-db-password` → `MY_DB_PASSWORD`. */
export const envNameOf = (secretName: string): string => secretName.toUpperCase().replace(/-/g, "_");

/** And back, for imports from .env files: `MY_DB_PASSWORD` → `my-db-password`. */
export const secretNameOf = (envName: string): string => envName.toLowerCase().replace(/_/g, "-");

const nameOfId = (id: string): string => decodeURIComponent(new URL(id).pathname.split("/")[2] ?? "");

/** The values of the named secrets (latest versions), or of every enabled secret of the vault when `names` is null. */
export async function secretValues(
  client: KeyholdClient,
  vaultName: string,
  names: readonly string[] | null,
): Promise<Map<string, string>> {
  const wanted =
    names ??
    ((await client.vaultList(vaultName, "/secrets")) as { id: string; attributes?: { enabled?: boolean } }[])
      .filter((item) => item.attributes?.enabled !== false)
      .map((item) => nameOfId(item.id));
  const values = new Map<string, string>();
  for (const name of wanted) {
    const bundle = (await client.vaultCall(vaultName, "GET", `/secrets/${encodeURIComponent(name)}`)) as { value: string };
    values.set(name, bundle.value);
  }
  return values;
}
