import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Envelope } from "../src/crypto/envelope.js";
import { SqliteStore } from "../src/storage/sqlite/sqlite-store.js";
import { SecretService } from "../src/vault/secret-service.js";

/**
 * Bulk seeding for the scale figures: 100,000 secrets through HTTP would take minutes, so the bench stops the
 * server and writes into its store file directly with the project's own code (the same sealing under the
 * master key as a PUT /secrets), 10,000 secrets per transaction, then restarts the server on the same directory.
 */
export const BULK_PREFIX = "bulk-";
const BATCH = 10_000;

export const bulkName = (i: number): string => `${BULK_PREFIX}${String(i).padStart(7, "0")}`;

/** Adds secrets bulk-<from> … bulk-<to - 1> (100-byte values) to the default vault of a stopped dev server. */
export async function seedSecrets(dir: string, vaultName: string, from: number, to: number): Promise<{ seeded: number; ms: number }> {
  const started = performance.now();
  const masterKey = Buffer.from(readFileSync(join(dir, "master.key"), "utf8").trim(), "base64");
  const store = SqliteStore.open(join(dir, "keyhold.db"));
  try {
    const vault = await store.getVault(vaultName);
    if (!vault) throw new Error(`vault ${vaultName} not found in ${dir}`);
    const objects = new SecretService({ store, envelope: new Envelope(masterKey), now: () => Math.floor(Date.now() / 1000) }).lifecycle;
    for (let batchStart = from; batchStart < to; batchStart += BATCH) {
      const batchEnd = Math.min(to, batchStart + BATCH);
      await store.transaction(async (tx) => {
        for (let i = batchStart; i < batchEnd; i++) {
          const value = `bench value ${i} `.padEnd(100, "x");
          await objects.addVersion(tx, vault, bulkName(i), {
            enabled: true,
            notBefore: null,
            expires: null,
            tags: null,
            contentType: null,
            keyOps: null,
            publicData: null,
            content: Buffer.from(value, "utf8"),
          });
        }
      });
    }
  } finally {
    // Closing the last connection checkpoints the WAL into keyhold.db.
    await store.close();
  }
  return { seeded: to - from, ms: performance.now() - started };
}

export interface StoreSize {
  dbBytes: number;
  walBytes: number;
}

export function storeSize(dir: string): StoreSize {
  const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);
  return { dbBytes: size(join(dir, "keyhold.db")), walBytes: size(join(dir, "keyhold.db-wal")) };
}
