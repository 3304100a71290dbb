import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import pg from "pg";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.js";
import { runStoreContract } from "./store-contract.js";

/** The storage contract against PostgreSQL: a fresh database for every test, on the run's throw-away server. */
const serverUrl = process.env.KEYHOLD_TEST_POSTGRES_URL;

if (!serverUrl) {
  describe("store contract: postgres", () => {
    it("needs a PostgreSQL server (npm test starts one when PostgreSQL is installed)", { skip: "no PostgreSQL here" }, () => {});
  });
} else {
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  runStoreContract("postgres", async () => {
    const database = `keyhold_contract_${randomBytes(6).toString("hex")}`;
    await admin((c) => c.query(`CREATE DATABASE ${database}`));
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    const store = await PostgresStore.open(url.toString(), { poolSize: 4 });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await admin((c) => c.query(`DROP DATABASE ${database} WITH (FORCE)`));
      },
    };
  });
}
