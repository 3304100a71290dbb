import type { DeletedVaultRecord, ObjectKind, VaultRecord, VaultSku } from "../storage/records.js";
import type { Store, StoreOps, VaultChange } from "../storage/store.js";
import {
  KeyVaultError,
  badParameter,
  conflict,
  deletedVaultNotFound,
  softDeletedVaultDoesNotExist,
  vaultNameInUse,
  vaultNotFound,
  vaultPurgeProtected,
} from "../errors/key-vault-error.js";
import { vaultHoldsHsmKey } from "./key-service.js";
import { DEFAULT_RETENTION_DAYS, checkVaultName } from "./limits.js";
import { pauseIfDue } from "./time-slice.js";

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

/** Gives a new vault's creator its rights, inside the creating transaction; who may do what is not this layer's business. */
export type GrantCreator = (tx: StoreOps, vault: VaultRecord, principalId: string, now: number) => Promise<void>;

const SKUS: readonly VaultSku[] = ["standard", "premium"];
const DAY = 86_400;
const OBJECT_KINDS: readonly ObjectKind[] = ["secret", "key", "certificate"];
/** The most objects a vault purge removes in one transaction: its commit and its statements stay a few milliseconds. */
export const PURGE_BATCH = 50;

/** Epoch seconds as ARM writes dates: ISO 8601 in UTC, whole seconds (`2017-01-01T00:00:59Z`). */
export const armDate = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

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
 *
 * Deleting a vault soft-deletes it, as Azure does: it keeps everything in it (objects, soft-deleted ones too,
 * access policies, role assignments) and its name for its retention period, and answers as a vault that does
 * not exist until it is recovered; it is purged when asked (refused under purge protection until the retention
 * ends) or by the background work at its scheduled purge date.
 */
export class VaultService {
  /** The vaults (lower-cased names) this process is purging, batch by batch. */
  readonly #purging = new Set<string>();

  constructor(
    private readonly store: Pick<
      Store,
      "transaction" | "getVault" | "listVaults" | "getDeletedVault" | "listDeletedVaults" | "recoverVault" | "purgeDueVaults"
    >,
    private readonly now: () => number,
    private readonly grantCreator: GrantCreator,
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
      if (!(await tx.createVault(vault))) {
        if (await tx.getDeletedVault(input.name)) throw vaultNameInUse(input.name);
        throw conflict(`A vault named '${input.name}' already exists.`);
      }
      await this.grantCreator(tx, vault, createdBy, vault.createdAt);
      return vault;
    });
  }

  /**
   * Creates the vault unless it exists (an existing one keeps its settings); used for dev mode's vaults. A
   * soft-deleted vault of that name is recovered with everything in it (ARM's createOrRecover), never purged.
   */
  async ensure(name: string, createdBy: string, settings: Omit<CreateVaultInput, "name"> = {}): Promise<VaultRecord> {
    return (await this.findOrRecover(name)) ?? this.create({ ...settings, name }, createdBy);
  }

  /** The live vault of that name, or the soft-deleted one recovered, or undefined. */
  async findOrRecover(name: string): Promise<VaultRecord | undefined> {
    return (await this.find(name)) ?? (await this.#recoverVault(name));
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
        throw badParameter(
          "Purge protection cannot be disabled once enabled: enabling purge protection for a vault is an irreversible action.",
        );
      }
      if (change.sku === "standard" && vault.sku === "premium" && (await vaultHoldsHsmKey(tx, vault.name))) {
        throw badParameter(
          `The vault '${vault.name}' holds HSM-protected keys (RSA-HSM, EC-HSM or oct-HSM), soft-deleted ones included, which a standard vault cannot hold: delete and purge them before changing its SKU to standard.`,
        );
      }
      return (await tx.updateVault(vault.name, change))!;
    });
  }

  /** Soft-deletes the vault with everything in it, for its retention period. */
  async delete(name: string): Promise<DeletedVaultRecord> {
    return this.store.transaction(async (tx) => {
      const vault = await tx.getVault(name);
      if (!vault) throw vaultNotFound(name);
      const deletedAt = this.now();
      const scheduledPurge = deletedAt + vault.retentionDays * DAY;
      await tx.softDeleteVault(vault.name, deletedAt, scheduledPurge);
      return { ...vault, deletedAt, scheduledPurge };
    });
  }

  async getDeleted(name: string): Promise<DeletedVaultRecord> {
    const vault = await this.store.getDeletedVault(name);
    if (!vault) throw deletedVaultNotFound(name);
    return vault;
  }

  listDeleted(): Promise<DeletedVaultRecord[]> {
    return this.store.listDeletedVaults();
  }

  /** Makes a soft-deleted vault live again, with its objects, access policies and role assignments as they were. */
  async recover(name: string): Promise<VaultRecord> {
    const vault = await this.#recoverVault(name);
    if (!vault) throw softDeletedVaultDoesNotExist();
    return vault;
  }

  /**
   * Erases a soft-deleted vault and everything in it; refused under purge protection until its retention ends.
   * The vault's row alone would take its objects with it (the store cascades), but in one statement and one commit
   * that hold the event loop some 50 ms per thousand objects. So its objects go first, PURGE_BATCH a transaction
   * with the event loop handed back between them, then the vault. A purge cut short (a crash) leaves the vault
   * soft-deleted with fewer objects, and purging it again finishes; while one runs, this process refuses to recover
   * the vault, which would bring it back half emptied.
   */
  async purge(name: string): Promise<void> {
    await this.#whilePurging(name, async () => {
      await this.#emptyForPurge(name);
      await this.store.transaction(async (tx) => {
        await tx.purgeVault((await this.#purgeable(tx, name)).name);
      });
    });
  }

  /** Runs `work` with the vault marked as being purged, so that it is not recovered meanwhile; 409 if it already is. */
  async #whilePurging(name: string, work: () => Promise<void>): Promise<void> {
    const key = name.toLowerCase();
    if (this.#purging.has(key)) throw conflict(`The vault '${name}' is being purged.`);
    this.#purging.add(key);
    try {
      await work();
    } finally {
      this.#purging.delete(key);
    }
  }

  /** Purges the soft-deleted vault's objects, PURGE_BATCH a transaction, handing the event loop back between them. */
  async #emptyForPurge(name: string): Promise<void> {
    while (await this.store.transaction(async (tx) => purgeObjectsOf(tx, (await this.#purgeable(tx, name)).name))) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The soft-deleted vault, unless purge protection keeps it until its retention ends. */
  async #purgeable(tx: StoreOps, name: string): Promise<DeletedVaultRecord> {
    const vault = await tx.getDeletedVault(name);
    if (!vault) throw deletedVaultNotFound(name);
    if (vault.purgeProtection && this.now() < vault.scheduledPurge) throw vaultPurgeProtected(vault.name, armDate(vault.scheduledPurge));
    return vault;
  }

  /** The soft-deleted vault recovered, or undefined; refused while this process purges it. */
  #recoverVault(name: string): Promise<VaultRecord | undefined> {
    if (this.#purging.has(name.toLowerCase())) throw conflict(`The vault '${name}' is being purged.`);
    return this.store.recoverVault(name);
  }

  /**
   * Purges the soft-deleted vaults whose scheduled purge date has come (the background work); returns how many. Each
   * is emptied first as `purge` does, so that the store's one statement that removes them has little left to cascade.
   */
  async purgeDue(): Promise<number> {
    const now = this.now();
    for (const { name, scheduledPurge } of await this.store.listDeletedVaults()) {
      if (scheduledPurge > now) continue;
      try {
        await this.#whilePurging(name, () => this.#emptyForPurge(name));
      } catch (error) {
        // Recovered, or being purged by a client, meanwhile: the statement below leaves it, or finds it gone.
        if (!(error instanceof KeyVaultError)) throw error;
      }
    }
    return this.store.purgeDueVaults(now);
  }
}

/** Removes up to PURGE_BATCH of the vault's objects, live and soft-deleted; true when it did as many (more may be left). */
async function purgeObjectsOf(tx: Pick<StoreOps, "listObjects" | "purgeObject">, vault: string): Promise<boolean> {
  let left = PURGE_BATCH;
  for (const kind of OBJECT_KINDS) {
    for (const deleted of [false, true]) {
      if (left === 0) return true;
      for (const { state } of (await tx.listObjects(vault, kind, deleted, null, left)).items) {
        await pauseIfDue();
        await tx.purgeObject(vault, kind, state.name);
        left--;
      }
    }
  }
  return left === 0;
}
