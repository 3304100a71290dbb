import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DevHome } from "./dev-home.js";
import type { DevIdentities } from "./dev-identities.js";

export interface DevEnvInput {
  home: DevHome;
  identities: DevIdentities;
  port: number;
  proxyPort: number;
  vaultName: string;
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
const render = (title: string, vars: [string, string][]): string =>
  `# ${title}\n# Written by \`keyhold dev\`: DEV MODE, for development and CI only. Use with: source <this file>\n` +
  vars.map(([k, v]) => `export ${k}=${quote(v)}`).join("\n") +
  "\n";

/**
 * Writes DIR/dev.env (service principal) and DIR/dev-mi.env (managed identity): everything an unmodified
 * Azure SDK client needs (docs/clients.md §3–§5). HTTPS_PROXY sends `NAME.vault.azure.net` to the dev tunnel.
 */
export function writeDevEnvFiles(input: DevEnvInput): { devEnv: string; devMiEnv: string } {
  const { home, identities, port, proxyPort, vaultName } = input;
  const url = `https://localhost:${port}`;
  const proxy = `http://127.0.0.1:${proxyPort}`;
  const common: [string, string][] = [
    ["KEYHOLD_URL", url],
    ["AZURE_AUTHORITY_HOST", url],
    ["NODE_EXTRA_CA_CERTS", home.caFile],
    ["REQUESTS_CA_BUNDLE", home.caBundleFile],
    ["SSL_CERT_FILE", home.caBundleFile],
    ["KEY_VAULT_NAME", vaultName],
    ["AZURE_KEYVAULT_NAME", vaultName],
    ["KEY_VAULT_URL", `https://${vaultName}.vault.azure.net`],
    ["HTTPS_PROXY", proxy],
    ["https_proxy", proxy],
  ];
  const devEnv = join(home.dir, "dev.env");
  const devMiEnv = join(home.dir, "dev-mi.env");
  writeFileSync(
    devEnv,
    render("Keyhold dev environment (service principal)", [
      ...common,
      ["AZURE_TENANT_ID", "adfs"],
      ["AZURE_CLIENT_ID", identities.clientId],
      ["AZURE_CLIENT_SECRET", identities.clientSecret],
    ]),
    { mode: 0o600 },
  );
  writeFileSync(
    devMiEnv,
    render("Keyhold dev environment (managed identity)", [
      ...common,
      ["IDENTITY_ENDPOINT", `${url}/msi/token`],
      ["IDENTITY_HEADER", identities.identityHeader],
    ]),
    { mode: 0o600 },
  );
  return { devEnv, devMiEnv };
}

/** Reads back a file written above (`export K='V'` lines), for tools and tests. */
export function parseDevEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^export ([A-Za-z_][A-Za-z0-9_]*)='(.*)'$/.exec(line);
    if (match) env[match[1]!] = match[2]!.replace(/'\\''/g, "'");
  }
  return env;
}
