import type { VaultRecord } from "../storage/records.js";
import type { Store } from "../storage/store.js";
import { badParameter, conflict, vaultNotFound } from "./errors.js";
import { DEFAULT_RETENTION_DAYS, checkVaultName } from "./limits.js";

export interface CreateVaultInput {
  name: string;
  retentionDays?: number;
  purgeProtection?: boolean;
}

/** How long a looked-up vault is reused before the store is asked again (bounds staleness across processes). */
const CACHE_MS = 2_000;
const CACHE_LIMIT = 10_000;

/** The vaults one Keyhold server serves. Every data-plane request looks its vault up, so lookups are cached. */
export class VaultService {
  readonly #cache = new Map<string, { vault: VaultRecord; until: number }>();

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
    this.#cache.delete(input.name.toLowerCase());
    return vault;
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

  async find(name: string): Promise<VaultRecord | undefined> {
    const key = name.toLowerCase();
    const cached = this.#cache.get(key);
    const now = Date.now();
    if (cached && cached.until > now) return cached.vault;
    const vault = await this.store.getVault(name);
    // Only found vaults are kept: a vault just created through another process is seen at once.
    if (vault) {
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(key, { vault, until: now + CACHE_MS });
    }
    return vault;
  }

  list(): Promise<VaultRecord[]> {
    return this.store.listVaults();
  }

  async delete(name: string): Promise<void> {
    const deleted = await this.store.deleteVault(name);
    this.#cache.delete(name.toLowerCase());
    if (!deleted) throw vaultNotFound(name);
  }
}
