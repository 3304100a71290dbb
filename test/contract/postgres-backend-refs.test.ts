import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.js";
import { POSTGRES_URL, newDatabase } from "../support/test-database.js";
import { VAULT, vaultRecord, versionRecord } from "./store-contract-fixtures.js";

const SHARED = "pkcs11:shared";

/** The error a statement failed with, or null. */
const outcome = (work: Promise<unknown>): Promise<{ code?: string } | null> =>
  work.then(
    () => null,
    (error: { code?: string }) => error,
  );

/**
 * Two transactions that each delete one of the two rows sharing a reference: each sees the other's row until the
 * other commits, and one of them must still release the reference.
 */
describe("postgres: a shared backend reference deleted by concurrent transactions", { skip: !POSTGRES_URL && "no PostgreSQL here" }, () => {
  let database: Awaited<ReturnType<typeof newDatabase>>;
  let store: PostgresStore;
  const clients: pg.Client[] = [];

  before(async () => {
    database = await newDatabase("keyhold_backend_refs");
    store = await PostgresStore.open(database.url, { poolSize: 2 });
  });

  after(async () => {
    for (const client of clients) await client.end();
    await store?.close();
    await database?.drop();
  });

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    clients.push(client);
    return client;
  }

  async function twoKeysSharing(vault: string): Promise<void> {
    await store.createVault(vaultRecord(vault));
    for (const name of ["a", "b"]) await store.addObjectVersion(versionRecord(name, 1, { vault, kind: "key", backendRef: SHARED }));
  }

  const purge = (client: pg.Client, vault: string, name: string) =>
    client.query("DELETE FROM objects WHERE vault_key = $1 AND kind = 'key' AND name_key = $2", [vault.toLowerCase(), name]);

  /** Whether `client`'s backend waits for a lock (the second deletion, for the first's advisory lock). */
  async function waiting(observer: pg.Client, client: pg.Client): Promise<boolean> {
    const pid = (client as unknown as { processID: number }).processID;
    const rows = (await observer.query("SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted", [pid])).rows;
    return rows.length > 0;
  }

  /** Lets the second deletion run as far as it goes while the first transaction is open (up to a lock it waits for). */
  async function untilWaiting(observer: pg.Client, client: pg.Client): Promise<void> {
    for (let i = 0; i < 50 && !(await waiting(observer, client)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it("READ COMMITTED: the second deletion waits for the first to commit, then releases", async () => {
    await store.forgetReleasedBackendRefs([SHARED]);
    await twoKeysSharing(VAULT);
    const [first, second, observer] = [await connect(), await connect(), await connect()];
    await first.query("BEGIN");
    await purge(first, VAULT, "a");
    await second.query("BEGIN");
    const secondPurge = purge(second, VAULT, "b");
    await untilWaiting(observer, second);
    await first.query("COMMIT");
    await secondPurge;
    await second.query("COMMIT");
    assert.deepEqual(await store.releasedBackendRefs(10), [SHARED]);
  });

  it("SERIALIZABLE: one commits without releasing, the other fails for a retry, and the retry releases", async () => {
    await store.forgetReleasedBackendRefs([SHARED]);
    const vault = "Serial";
    await twoKeysSharing(vault);
    const [first, second, observer] = [await connect(), await connect(), await connect()];
    for (const client of [first, second]) {
      await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
      await client.query("SELECT 1"); // both snapshots are taken before either deletes
    }
    await purge(first, vault, "a");
    const secondPurge = outcome(purge(second, vault, "b").then(() => second.query("COMMIT")));
    await untilWaiting(observer, second);
    const firstCommit = await outcome(first.query("COMMIT"));
    const failures = [firstCommit, await secondPurge].filter((e) => e !== null);
    assert.deepEqual(
      failures.map((e) => e.code),
      ["40001"],
      "each saw the other's row: one must fail",
    );
    const failed = firstCommit === null ? second : first;
    await failed.query("ROLLBACK");
    assert.deepEqual(await store.releasedBackendRefs(10), [], "the transaction that committed saw the other row");
    await purge(failed, vault, failed === first ? "a" : "b");
    assert.deepEqual(await store.releasedBackendRefs(10), [SHARED]);
  });
});
