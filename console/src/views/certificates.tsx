import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { href, navigate } from "../router.js";
import { when } from "../ui.js";
import { CertificateContacts } from "./certificates-contacts.js";
import { DeletedObjects } from "./deleted-objects.js";
import { CertificateDetail } from "./certificates-detail.js";
import { ImportCertificateForm } from "./certificates-import.js";
import { CertificateIssuers } from "./certificates-issuers.js";
import { NewCertificateForm } from "./certificates-new.js";
import { type Listing, usePagedList } from "./paged-list.js";
import { type Column, SearchableList } from "./searchable-list.js";

export interface CertificateItem {
  id: string;
  x5t?: string;
  tags?: Record<string, string>;
  attributes: { enabled: boolean; created: number; updated: number; exp?: number; nbf?: number };
}

/**
 * Sub-views live under `certificates/~NAME`: certificate names are letters, digits and hyphens only, so a part
 * starting with "~" can never be a certificate.
 */
export const ISSUERS = "~issuers";
export const CONTACTS = "~contacts";

/**
 * A vault's certificates: the list, one certificate, the deleted ones, and the vault's issuers and contacts. The
 * route is the vault's: ["certificates"], ["certificates", NAME], ["certificates", "~issuers"], ["deleted-certificates"].
 */
export function CertificatesView({ vaultName, route }: { vaultName: string; route: readonly string[] }) {
  const [tab, part] = route;
  if (tab === "deleted-certificates") return <DeletedObjects vaultName={vaultName} kind="certificates" />;
  if (part === ISSUERS) return <CertificateIssuers vaultName={vaultName} />;
  if (part === CONTACTS) return <CertificateContacts vaultName={vaultName} />;
  if (part) return <CertificateDetail key={part} vaultName={vaultName} name={part} />;
  return <CertificateList vaultName={vaultName} />;
}

const CERTIFICATE_COLUMNS: readonly Column<CertificateItem>[] = [
  { header: "Status", cell: (item) => (item.x5t ? "Issued" : "Waiting for its certificate") },
  { header: "Enabled", cell: (item) => (item.attributes.enabled ? "Yes" : "No") },
  { header: "Expires", cell: (item) => when(item.attributes.exp) },
  { header: "Updated", cell: (item) => when(item.attributes.updated) },
];

function CertificateList({ vaultName }: { vaultName: string }) {
  const { api } = useConsole();
  const [form, setForm] = useState<"new" | "import" | null>(null);
  const list: Listing<CertificateItem> = usePagedList<CertificateItem>(
    () => api.vault(vaultName, "GET", "/certificates?maxresults=25&includePending=true"),
    [vaultName],
  );
  const done = (name: string | null) => {
    setForm(null);
    if (name) navigate("vaults", vaultName, "certificates", name);
  };
  return (
    <div>
      <div class="title-row">
        <h2>Certificates</h2>
        <a href={href("vaults", vaultName, "deleted-certificates")}>Deleted certificates</a>
        <a href={href("vaults", vaultName, "certificates", ISSUERS)}>Issuers</a>
        <a href={href("vaults", vaultName, "certificates", CONTACTS)}>Contacts</a>
        <button type="button" class="primary" onClick={() => setForm("new")}>
          New certificate
        </button>
        <button type="button" onClick={() => setForm("import")}>
          Import certificate
        </button>
      </div>
      {form === "new" ? <NewCertificateForm vaultName={vaultName} onDone={done} /> : null}
      {form === "import" ? <ImportCertificateForm vaultName={vaultName} onDone={done} /> : null}
      <SearchableList list={list} vaultName={vaultName} kind="certificates" idOf={(item) => item.id} columns={CERTIFICATE_COLUMNS} />
    </div>
  );
}
