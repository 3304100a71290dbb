import type { Store } from "./store.js";

/** Where the data lives: PostgreSQL when a database URL is given (several nodes), else the embedded SQLite file. */
export interface StoreLocation {
  storeFile: string;
  /** `postgres://…`; null for the embedded store. */
  databaseUrl: string | null;
}

export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.databaseUrl) {
    const { PostgresStore } = await import("./postgres/postgres-store.js");
    return PostgresStore.open(location.databaseUrl);
  }
  const { SqliteStore } = await import("./sqlite/sqlite-store.js");
  return SqliteStore.open(location.storeFile);
}
