import { isIP } from "node:net";

export interface VaultTarget {
  /** The vault named by the host, or the default vault for a bare host name or address. */
  vaultName: string;
  /** The challenge resource: the SDK requires the request host to end with "." + its host (docs/clients.md §2). */
  resource: string;
}

/**
 * Vaults are told apart by host name, `NAME.<vault domain>` (docs/clients.md §1). Plain `localhost` and IP
 * addresses reach the default vault.
 */
export class VaultHosts {
  readonly #suffixes: { suffix: string; resource: string }[];
  readonly #fallbackResource: string;

  constructor(
    domains: readonly string[],
    private readonly defaultVault: string | null,
  ) {
    if (domains.length === 0) throw new Error("at least one vault domain is required");
    this.#suffixes = domains.map((d) => ({ suffix: `.${d.toLowerCase()}`, resource: `https://${d.toLowerCase()}` }));
    this.#fallbackResource = this.#suffixes[0]!.resource;
  }

  get resources(): string[] {
    return this.#suffixes.map((s) => s.resource);
  }

  resolve(hostname: string): VaultTarget | null {
    const host = hostname
      .toLowerCase()
      .replace(/\.$/, "")
      .replace(/^\[(.*)\]$/, "$1");
    for (const { suffix, resource } of this.#suffixes) {
      if (host.endsWith(suffix)) {
        const vaultName = host.slice(0, -suffix.length);
        return vaultName && !vaultName.includes(".") ? { vaultName, resource } : null;
      }
    }
    if ((host === "localhost" || isIP(host) !== 0) && this.defaultVault) {
      return { vaultName: this.defaultVault, resource: this.#fallbackResource };
    }
    return null;
  }

  /** Whether the host name is a vault's own (`NAME.<vault domain>`), not the server's or the default vault's. */
  namesVault(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/\.$/, "");
    return this.#suffixes.some(({ suffix }) => host.endsWith(suffix));
  }

  /** Whether a CONNECT to this host should be tunnelled to this server (the vault domains and loopback). */
  serves(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
    return this.#suffixes.some(({ suffix }) => host.endsWith(suffix)) || host === "localhost" || host === "127.0.0.1" || host === "::1";
  }
}
