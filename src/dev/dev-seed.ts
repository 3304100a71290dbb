import type { AppContext } from "../server/app-context.js";
import type { VaultRecord } from "../storage/records.js";
import { parseKeyCreate } from "../server/wire/key-wire.js";
import { parseSecretSet } from "../server/wire/secret-wire.js";
import { KeyVaultError } from "../errors/key-vault-error.js";
import { SeedError, type SeedObject, type SeedVault } from "./seed-file.js";
import { fillAllPlaceholders } from "./seed-placeholders.js";

/**
 * `keyhold dev --seed FILE` (read and checked by seed-file.ts): the vaults, secrets and keys the file declares are
 * made at every start unless they exist, so a restart changes nothing, random values included. A vault is
 * standard unless it says `sku: premium` (needed for -HSM key types); a standard vault that exists becomes premium
 * when the seed says so.
 *
 * A seed is applied whole or not at all: when something cannot be made (a key size the server refuses, an -HSM
 * key in a standard vault…), what this start had made is undone (purged, or deleted again if it was recovered)
 * before the error is reported, so that fixing the file and starting again begins from where it was.
 */

/** What undoes one change this start made, run in reverse order when a later part of the seed fails. */
type Undo = () => Promise<unknown>;

/** What the lifecycle of secrets and keys offers that the seed uses. */
interface ObjectService {
  get(vault: VaultRecord, name: string, version: null): Promise<unknown>;
  delete(vault: VaultRecord, name: string): Promise<unknown>;
  purge(vault: VaultRecord, name: string): Promise<void>;
}

async function absent(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (error) {
    if (error instanceof KeyVaultError && error.status === 404) return true;
    throw error;
  }
}

/**
 * The seed's vault: the live one, or a soft-deleted one recovered, or a new one; upgraded to premium when the seed
 * says so (never the other way: a downgrade may be refused).
 */
async function seedVault(ctx: AppContext, entry: SeedVault, creatorId: string, undo: Undo[]): Promise<VaultRecord> {
  let vault = await ctx.vaults.find(entry.name);
  if (!vault) {
    vault = await ctx.vaults.findOrRecover(entry.name);
    if (vault) {
      undo.push(() => ctx.vaults.delete(entry.name));
    } else {
      vault = await ctx.vaults.create(
        {
          name: entry.name,
          ...(entry.enableRbacAuthorization !== undefined && { enableRbacAuthorization: entry.enableRbacAuthorization }),
          ...(entry.sku !== undefined && { sku: entry.sku }),
        },
        creatorId,
      );
      undo.push(async () => {
        await ctx.vaults.delete(entry.name);
        await ctx.vaults.purge(entry.name);
      });
    }
  }
  if (entry.sku === "premium" && vault.sku !== "premium") {
    const before = vault.sku;
    vault = await ctx.vaults.update(vault.name, { sku: "premium" });
    undo.push(() => ctx.vaults.update(entry.name, { sku: before }));
  }
  return vault;
}

/** Makes each object that does not exist yet; answers how many it made. */
async function seedObjects(
  objects: readonly SeedObject[],
  service: ObjectService,
  vault: VaultRecord,
  make: (object: SeedObject) => Promise<unknown>,
  undo: Undo[],
): Promise<number> {
  let made = 0;
  for (const object of objects) {
    try {
      if (!(await absent(() => service.get(vault, object.name, null)))) continue;
      await make(object);
    } catch (error) {
      throw new SeedError(object.where, error instanceof Error ? error.message : String(error));
    }
    undo.push(async () => {
      await service.delete(vault, object.name);
      await service.purge(vault, object.name);
    });
    made++;
  }
  return made;
}

/** Makes what the seed declares and does not exist yet; returns the vault names, for dev mode's grants. */
export async function applySeed(
  ctx: AppContext,
  seed: readonly SeedVault[],
  creatorId: string,
): Promise<{ vaults: string[]; created: number }> {
  const undo: Undo[] = [];
  let created = 0;
  try {
    for (const entry of seed) {
      let vault: VaultRecord;
      try {
        vault = await seedVault(ctx, entry, creatorId, undo);
      } catch (error) {
        throw new SeedError(entry.where, error instanceof Error ? error.message : String(error));
      }
      const setSecret = (s: SeedObject) => ctx.secrets.set(vault, s.name, parseSecretSet(fillAllPlaceholders(s.body)));
      const createKey = (k: SeedObject) => ctx.keys.create(vault, k.name, parseKeyCreate(fillAllPlaceholders(k.body)));
      created += await seedObjects(entry.secrets, ctx.secrets.lifecycle, vault, setSecret, undo);
      created += await seedObjects(entry.keys, ctx.keys.lifecycle, vault, createKey, undo);
    }
  } catch (error) {
    const failures: string[] = [];
    for (const step of undo.reverse()) await step().catch((e: unknown) => failures.push(e instanceof Error ? e.message : String(e)));
    if (failures.length > 0 && error instanceof Error)
      error.message += ` (undoing what the seed had made failed, some of it is left: ${failures.join("; ")})`;
    throw error;
  }
  return { vaults: seed.map((s) => s.name), created };
}
