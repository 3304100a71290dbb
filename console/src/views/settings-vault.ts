/** A vault as the admin API shows it (`GET /keyhold/vaults/NAME`), modelled on what `az keyvault show` prints. */
export interface VaultJson {
  name: string;
  properties: {
    vaultUri: string;
    sku: { family: string; name: string };
    softDeleteRetentionInDays: number;
    enablePurgeProtection: boolean | null;
    enableRbacAuthorization: boolean;
    createdAt: string | null;
    createdBy: string | null;
  };
}

/** A soft-deleted vault as `GET /keyhold/deletedVaults` lists it (ARM's DeletedVault). */
export interface DeletedVaultJson {
  name: string;
  properties: { deletionDate: string; scheduledPurgeDate: string; purgeProtectionEnabled: boolean };
}

export const vaultPath = (name: string): string => `/keyhold/vaults/${encodeURIComponent(name)}`;

export const deletedVaultPath = (name: string): string => `/keyhold/deletedVaults/${encodeURIComponent(name)}`;

/** An ISO date from the admin API in the browser's local form; empty for none. */
export function isoWhen(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "";
}
