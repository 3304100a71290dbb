import { grantCreator } from "../authz/access-control.js";
import type { VaultRecord, VaultSku } from "../storage/records.js";
import type { Store, VaultChange } from "../storage/store.js";
import { badParameter, conflict, vaultNotFound } from "./errors.js";
import { vaultHoldsHsmKey } from "./key-service.js";
import { DEFAULT_RETENTION_DAYS, checkVaultName } from "./limits.js";

export interface CreateVaultInput {
  name: string;
  retentionDays?: number;
  purgeProtection?: boolean;
  /** Default true, as `az keyvault create` today. */
  enableRbacAuthorization?: boolean;
  /** "standard" (the default, as `az keyvault create`) or "premium"; checked here, since it comes off the wire. */
  sku?: string;
}

/** A vault update as the admin API takes it: the tier unchecked, as it comes off the wire. */
export type VaultUpdate = Omit<VaultChange, "sku"> & { sku?: string };

const SKUS: readonly VaultSku[] = ["standard", "premium"];

/** Azure's tier names, in any case (ARM's enums ignore it), as stored: lower case. */
function checkSku(value: string): VaultSku {
  const sku = SKUS.find((s) => s === value.toLowerCase());
  if (!sku) throw badParameter(`The SKU name '${value}' is not valid: use 'standard' or 'premium'.`);
  return sku;
}

/**
 * The vaults one Keyhold server serves, with Azure's settings: soft-delete retention (7–90 days, fixed at
 * creation), purge protection (once on, never off), the permission model and the tier (standard or premium).
 * Every data-plane request looks its vault up; the store remembers the lookup until the next commit.
 */
export class VaultService {
  constructor(
    private readonly store: Pick<Store, "transaction" | "getVault" | "listVaults" | "deleteVault">,
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
      sku: checkSku(input.sku ?? "standard"),
      createdBy,
    };
    return this.store.transaction(async (tx) => {
      if (!(await tx.createVault(vault))) throw conflict(`A vault named '${input.name}' already exists.`);
      await grantCreator(tx, vault, createdBy, vault.createdAt);
      return vault;
    });
  }

  /** Creates the vault unless it exists (an existing one keeps its settings); used for dev mode's vaults. */
  async ensure(name: string, createdBy: string, settings: Omit<CreateVaultInput, "name"> = {}): Promise<VaultRecord> {
    return (await this.find(name)) ?? this.create({ ...settings, name }, createdBy);
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

  /**
   * Switches the permission model, turns purge protection on (Azure refuses to turn it off), or changes the tier
   * (a premium vault becomes standard only while it holds no -HSM key).
   */
  async update(name: string, update: VaultUpdate): Promise<VaultRecord> {
    const { sku, ...settings } = update;
    const change: VaultChange = { ...settings, ...(sku !== undefined && { sku: checkSku(sku) }) };
    // One transaction, so that the keys checked for a downgrade are the keys there when the tier changes.
    return this.store.transaction(async (tx) => {
      const vault = await tx.getVault(name);
      if (!vault) throw vaultNotFound(name);
      if (change.purgeProtection === false && vault.purgeProtection) {
        throw badParameter("Purge protection cannot be disabled once enabled: enabling purge protection for a vault is an irreversible action.");
      }
      if (change.sku === "standard" && vault.sku === "premium" && (await vaultHoldsHsmKey(tx, vault.name))) {
        throw badParameter(
          `The vault '${vault.name}' holds HSM-protected keys (RSA-HSM, EC-HSM or oct-HSM), soft-deleted ones included, which a standard vault cannot hold: delete and purge them before changing its SKU to standard.`,
        );
      }
      return (await tx.updateVault(vault.name, change))!;
    });
  }

  async delete(name: string): Promise<void> {
    if (!(await this.store.deleteVault(name))) throw vaultNotFound(name);
  }
}
