import { ClientSecretCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import type { DevServer } from "./dev-server.js";

/** A SecretClient for the server's default vault, authenticated as its dev service principal (tenant adfs). */
export function secretClientFor(server: DevServer, vaultName = server.env.KEY_VAULT_NAME!): SecretClient {
  const credential = new ClientSecretCredential("adfs", server.env.AZURE_CLIENT_ID!, server.env.AZURE_CLIENT_SECRET!, {
    authorityHost: server.env.AZURE_AUTHORITY_HOST!,
  });
  return new SecretClient(`https://${vaultName}.vault.azure.net`, credential, {
    proxyOptions: { host: "http://127.0.0.1", port: server.proxyPort },
  });
}
