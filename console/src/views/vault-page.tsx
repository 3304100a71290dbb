import type { Me } from "../me.js";
import { href } from "../router.js";
import { AccessView } from "./access.js";
import { CertificatesView } from "./certificates.js";
import { KeysView } from "./keys.js";
import { SecretsView } from "./secrets.js";
import { VaultSettingsView } from "./vault-settings.js";

const TABS = [
  { path: "secrets", label: "Secrets" },
  { path: "keys", label: "Keys" },
  { path: "certificates", label: "Certificates" },
  { path: "access", label: "Access" },
  { path: "settings", label: "Settings" },
] as const;

/**
 * One vault, with a tab per kind of object. Its address works for anyone with rights in the vault, listed or not:
 * the vault's own API answers what they may see.
 */
export function VaultPage({ vaultName, route, me }: { vaultName: string; route: readonly string[]; me: Me }) {
  const [tab = "secrets", ...rest] = route;
  const current = tab.startsWith("deleted-") ? tab.slice("deleted-".length) : tab;
  let view;
  if (current === "keys") view = <KeysView vaultName={vaultName} route={route} />;
  else if (current === "certificates") view = <CertificatesView vaultName={vaultName} route={route} />;
  else if (current === "access") view = <AccessView vaultName={vaultName} me={me} />;
  else if (current === "settings") view = <VaultSettingsView vaultName={vaultName} me={me} />;
  else view = <SecretsView vaultName={vaultName} deleted={tab === "deleted-secrets"} secretName={rest[0] ?? null} />;
  return (
    <section aria-labelledby="vault-title">
      <p class="crumbs">
        <a href={href("vaults")}>Vaults</a> /
      </p>
      <h1 id="vault-title">{vaultName}</h1>
      <nav class="tabs" aria-label="Vault">
        {TABS.map((t) => (
          <a key={t.path} href={href("vaults", vaultName, t.path)} aria-current={current === t.path ? "page" : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      {view}
    </section>
  );
}
