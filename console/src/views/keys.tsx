import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import type { PublicJwk } from "../keys-pem.js";
import { href, navigate } from "../router.js";
import { useLoad, when } from "../ui.js";
import { DeletedObjects } from "./deleted-objects.js";
import { KeyDetail } from "./keys-detail.js";
import { ImportKeyForm } from "./keys-import.js";
import { NewKeyForm } from "./keys-new.js";
import { usePagedList } from "./paged-list.js";
import { type Column, SearchableList } from "./searchable-list.js";

export interface KeyAttributes {
  enabled: boolean;
  created: number;
  updated: number;
  exp?: number;
  nbf?: number;
}

/** A key as listings show it: no key type, which only the key itself tells. */
export interface KeyItem {
  kid: string;
  tags?: Record<string, string>;
  managed?: boolean;
  attributes: KeyAttributes;
}

/** One key version: its public half, attributes and tags. */
export interface KeyBundle {
  key: PublicJwk;
  tags?: Record<string, string>;
  managed?: boolean;
  attributes: KeyAttributes;
}

/** A vault's keys: the list (searched, a page at a time), a new or imported key, one key, or the deleted ones. */
export function KeysView({ vaultName, route }: { vaultName: string; route: readonly string[] }) {
  const [tab, keyName] = route;
  if (tab === "deleted-keys") return <DeletedObjects vaultName={vaultName} kind="keys" />;
  if (keyName) return <KeyDetail vaultName={vaultName} keyName={keyName} />;
  return <KeyList vaultName={vaultName} />;
}

const keyColumns = (vaultName: string): readonly Column<KeyItem>[] => [
  { header: "Type", cell: (item) => <KeyType vaultName={vaultName} path={new URL(item.kid).pathname} /> },
  { header: "Enabled", cell: (item) => (item.attributes.enabled ? "Yes" : "No") },
  { header: "Updated", cell: (item) => when(item.attributes.updated) },
];

function KeyList({ vaultName }: { vaultName: string }) {
  const { api } = useConsole();
  const [form, setForm] = useState<"new" | "import" | null>(null);
  const list = usePagedList<KeyItem>(() => api.vault(vaultName, "GET", "/keys?maxresults=25"), [vaultName]);
  const done = (name: string | null) => {
    setForm(null);
    if (name) navigate("vaults", vaultName, "keys", name);
  };
  return (
    <div>
      <div class="title-row">
        <h2>Keys</h2>
        <a href={href("vaults", vaultName, "deleted-keys")}>Deleted keys</a>
        <button type="button" class="primary" onClick={() => setForm("new")}>
          New key
        </button>
        <button type="button" onClick={() => setForm("import")}>
          Import key
        </button>
      </div>
      {form === "new" ? <NewKeyForm vaultName={vaultName} onDone={done} /> : null}
      {form === "import" ? <ImportKeyForm vaultName={vaultName} onDone={done} /> : null}
      <SearchableList list={list} vaultName={vaultName} kind="keys" idOf={(item) => item.kid} columns={keyColumns(vaultName)} />
    </div>
  );
}

/** A key's type (and curve or size), which Key Vault's listings leave out: read from the key itself. */
export function KeyType({ vaultName, path }: { vaultName: string; path: string }) {
  const { api } = useConsole();
  const bundle = useLoad(() => api.vault<KeyBundle>(vaultName, "GET", path), [vaultName, path]);
  if (bundle.error) return <span class="muted">not readable</span>;
  if (!bundle.data) return <span class="muted">…</span>;
  return <>{keyTypeText(bundle.data.key)}</>;
}

/** `EC P-256`, `RSA 2048`, `RSA-HSM 3072`. */
export function keyTypeText(jwk: PublicJwk): string {
  if (jwk.crv) return `${jwk.kty} ${jwk.crv}`;
  if (jwk.n) return `${jwk.kty} ${Math.floor((jwk.n.replace(/=+$/, "").length * 3) / 4) * 8}`;
  return jwk.kty;
}
