import { grantCreator } from "../authz/access-control.js";
import type { VaultRecord } from "../storage/records.js";
import type { Store, VaultChange } from "../storage/store.js";
import { badParameter, conflict, vaultNotFound } from "./errors.js";
import { DEFAULT_RETENTION_DAYS, checkVaultName } from "./limits.js";

export interface CreateVaultInput {
  name: string;
  retentionDays?: number;
  purgeProtection?: boolean;
  /** Default true, as `az keyvault create` today. */
  enableRbacAuthorization?: boolean;
}

/**
 * The vaults one Keyhold server serves, with Azure's settings: soft-delete retention (7–90 days, fixed at
 * creation), purge protection (once on, never off) and the permission model. Every data-plane request looks its
 * vault up; the store remembers the lookup until the next commit.
 */
export class VaultService {
  constructor(
    private readonly store: Pick<Store, "transaction" | "getVault" | "listVaults" | "deleteVault" | "updateVault">,
    private readonly now: () => number,
  ) {}

  /** Creates the vault and gives its creator full rights on it, in one transaction. */
  async create(input: CreateVaultInput, createdBy: string): Promise<VaultRecord> {
    checkVaultName(input.name);
    const retentionDays = input.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!Number.isInteger(retentionDays) || retentionDays < 7 || retentionDays > 90) {
      throw badParameter("The soft delete retention period must be an integer between 7 and 90 days.");
    }
    const vault: VaultRecord = {
      name: input.name,
      createdAt: this.now(),
      retentionDays,
      purgeProtection: input.purgeProtection ?? false,
      enableRbacAuthorization: input.enableRbacAuthorization ?? true,
      createdBy,
    };
    return this.store.transaction(async (tx) => {
      if (!(await tx.createVault(vault))) throw conflict(`A vault named '${input.name}' already exists.`);
      await grantCreator(tx, vault, createdBy, vault.createdAt);
      return vault;
    });
  }

  /** Creates the vault unless it exists; used for the dev server's default vault. */
  async ensure(name: string, createdBy: string): Promise<VaultRecord> {
    return (await this.find(name)) ?? this.create({ name }, createdBy);
  }

  async get(name: string): Promise<VaultRecord> {
    const vault = await this.find(name);
    if (!vault) throw vaultNotFound(name);
    return vault;
  }

  find(name: string): Promise<VaultRecord | undefined> {
    return this.store.getVault(name);
  }

  list(): Promise<VaultRecord[]> {
    return this.store.listVaults();
  }

  /** Switches the permission model, or turns purge protection on (Azure refuses to turn it off). */
  async update(name: string, change: VaultChange): Promise<VaultRecord> {
    const vault = await this.get(name);
    if (change.purgeProtection === false && vault.purgeProtection) {
      throw badParameter("Purge protection cannot be disabled once enabled: enabling purge protection for a vault is an irreversible action.");
    }
    const updated = await this.store.updateVault(vault.name, change);
    if (!updated) throw vaultNotFound(name);
    return updated;
  }

  async delete(name: string): Promise<void> {
    if (!(await this.store.deleteVault(name))) throw vaultNotFound(name);
  }
}
