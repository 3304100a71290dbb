import type { VaultRecord } from "../storage/records.js";
import type { Store } from "../storage/store.js";
import { badParameter, conflict, vaultNotFound } from "./errors.js";
import { DEFAULT_RETENTION_DAYS, checkVaultName } from "./limits.js";

export interface CreateVaultInput {
  name: string;
  retentionDays?: number;
  purgeProtection?: boolean;
}

/** The vaults one Keyhold server serves. */
export class VaultService {
  constructor(
    private readonly store: Pick<Store, "createVault" | "getVault" | "listVaults" | "deleteVault">,
    private readonly now: () => number,
  ) {}

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
      createdBy,
    };
    if (!(await this.store.createVault(vault))) throw conflict(`A vault named '${input.name}' already exists.`);
    return vault;
  }

  /** Creates the vault unless it exists; used for the dev server's default vault. */
  async ensure(name: string, createdBy: string): Promise<VaultRecord> {
    return (await this.store.getVault(name)) ?? this.create({ name }, createdBy);
  }

  async get(name: string): Promise<VaultRecord> {
    const vault = await this.store.getVault(name);
    if (!vault) throw vaultNotFound(name);
    return vault;
  }

  find(name: string): Promise<VaultRecord | undefined> {
    return this.store.getVault(name);
  }

  list(): Promise<VaultRecord[]> {
    return this.store.listVaults();
  }

  async delete(name: string): Promise<void> {
    if (!(await this.store.deleteVault(name))) throw vaultNotFound(name);
  }
}
