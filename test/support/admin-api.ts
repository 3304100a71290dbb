import { ClientSecretCredential } from "@azure/identity";
import { KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import { KeyholdClient } from "../../src/cli/keyhold-client.js";
import type { DevServer } from "./dev-server.js";
import { viaDevProxy } from "./sdk.js";

/** Keyhold's admin API as the dev service principal (a server administrator in dev mode). */
export function adminApi(server: DevServer): <T = any>(method: string, path: string, body?: unknown) => Promise<T> {
  const client = new KeyholdClient(server.env);
  return async <T>(method: string, path: string, body?: unknown) => (await client.call(method, path, body)) as T;
}

export interface TestPrincipal {
  clientId: string;
  clientSecret: string;
  credential: ClientSecretCredential;
  secrets(vault: string): SecretClient;
  keys(vault: string): KeyClient;
}

/** A new service principal made through the admin API, with SDK clients that authenticate as it. */
export async function newPrincipal(server: DevServer, name: string): Promise<TestPrincipal> {
  const created = await adminApi(server)<{ clientId: string; clientSecret: string }>("POST", "/keyhold/principals", { displayName: name });
  const credential = new ClientSecretCredential("adfs", created.clientId, created.clientSecret, {
    authorityHost: server.env.AZURE_AUTHORITY_HOST!,
  });
  return {
    ...created,
    credential,
    secrets: (vault) => new SecretClient(`https://${vault}.vault.azure.net`, credential, viaDevProxy(server)),
    keys: (vault) => new KeyClient(`https://${vault}.vault.azure.net`, credential, viaDevProxy(server)),
  };
}

/** A token for a service principal from the server's token endpoint, for raw requests. */
export async function tokenFor(server: DevServer, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${server.url}/adfs/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
      scope: "https://vault.azure.net/.default",
    }),
  });
  const json = (await response.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`no token: ${JSON.stringify(json)}`);
  return json.access_token;
}

/** A raw vault request (https://localhost:PORT reaches the default vault; other vaults through their host name). */
export async function vaultRequest(
  server: DevServer,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}${path.includes("?") ? "&" : "?"}api-version=7.6`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
