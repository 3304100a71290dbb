/** What the server tells its console (`/console/config.json`): where to sign in, and how vaults are addressed. */
export interface ConsoleConfig {
  /** The token issuer's base URL, this server. */
  authority: string;
  tenant: string;
  /** The public client the console signs in as. */
  clientId: string;
  /** The resource its tokens are for: one token serves the admin API and every vault. */
  resource: string;
  /** A vault's base URL, `{name}` standing for the vault's name: a host name of this server. */
  vaultUrlTemplate: string;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch("/console/config.json", { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`The console's settings could not be read (${res.status}).`);
  return (await res.json()) as ConsoleConfig;
}
