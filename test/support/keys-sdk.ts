import { CryptographyClient, type KeyClientOptions, KeyClient, type KeyVaultKey } from "@azure/keyvault-keys";
import type { DevServer } from "./dev-server.js";
import { devCredential, viaDevProxy } from "./sdk.js";

/** A KeyClient for the server's default vault as its dev service principal, through the dev proxy. */
export function keyClientFor(
  server: DevServer,
  options: KeyClientOptions = {},
): { client: KeyClient; crypto: (key: KeyVaultKey | string) => CryptographyClient } {
  const credential = devCredential(server);
  const pipeline = { ...viaDevProxy(server), ...options };
  return {
    client: new KeyClient(server.env.KEY_VAULT_URL!, credential, pipeline),
    crypto: (key) => new CryptographyClient(key, credential, pipeline),
  };
}

/** A base64url JWK field as bytes. */
export const bytes = (value: Uint8Array | undefined): Buffer => Buffer.from(value ?? new Uint8Array());

/** A raw REST call as the dev service principal, to see status codes and inner error codes. */
export async function fetchAs(server: DevServer, method: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const { request } = await import("node:https");
  const token = await new Promise<string>((resolve, reject) => {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: server.env.AZURE_CLIENT_ID!,
      client_secret: server.env.AZURE_CLIENT_SECRET!,
      scope: "https://vault.azure.net/.default",
    }).toString();
    const req = request(
      `${server.url}/adfs/oauth2/token`,
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" } },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve(JSON.parse(text).access_token));
      },
    );
    req.on("error", reject);
    req.end(form);
  });
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}?api-version=2025-07-01`,
      { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}
