import { ClientSecretCredential } from "@azure/identity";
import { CertificateClient } from "@azure/keyvault-certificates";
import { SecretClient } from "@azure/keyvault-secrets";
import type { DevServer } from "./dev-server.js";

/** The server's dev service principal (tenant adfs), as DefaultAzureCredential would use it from dev.env. */
export function devCredential(server: DevServer): ClientSecretCredential {
  return new ClientSecretCredential("adfs", server.env.AZURE_CLIENT_ID!, server.env.AZURE_CLIENT_SECRET!, {
    authorityHost: server.env.AZURE_AUTHORITY_HOST!,
  });
}

/** Client options that reach `NAME.vault.azure.net` through the server's dev proxy (what HTTPS_PROXY does). */
export const viaDevProxy = (server: DevServer) => ({ proxyOptions: { host: "http://127.0.0.1", port: server.proxyPort } });

/** A SecretClient for the server's default vault, authenticated as its dev service principal. */
export function secretClientFor(server: DevServer, vaultName = server.env.KEY_VAULT_NAME!): SecretClient {
  return new SecretClient(`https://${vaultName}.vault.azure.net`, devCredential(server), viaDevProxy(server));
}

/** A CertificateClient for the server's default vault, authenticated as its dev service principal. */
export function certificateClientFor(server: DevServer, vaultName = server.env.KEY_VAULT_NAME!): CertificateClient {
  return new CertificateClient(`https://${vaultName}.vault.azure.net`, devCredential(server), viaDevProxy(server));
}
