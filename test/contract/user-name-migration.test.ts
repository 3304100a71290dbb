import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Store } from "../../src/storage/store.js";
import { postgresFromBefore, sqliteFromBefore } from "../support/older-schema.js";
import { POSTGRES_URL } from "../support/test-database.js";
import { principalRecord } from "./store-contract-fixtures.js";

const APP = "0a1b2c3d-0000-4000-8000-0000000000c0";
const USER = "0a1b2c3d-0000-4000-8000-0000000000a1";

/** What a store opened on data from before users must do: old principals keep their rows with no user name. */
async function upgraded(store: Store): Promise<void> {
  assert.deepEqual(await store.listPrincipals(), [principalRecord(APP, { displayName: "old app", createdAt: 5 })]);
  assert.equal(await store.getUserByName("old app"), undefined);
  const user = principalRecord(USER, { kind: "user", userName: "new@example.org" });
  await store.createPrincipal(user);
  assert.deepEqual(await store.getUserByName("NEW@example.org"), user);
}

describe("users in a store from before them", () => {
  it("sqlite: adds the user name to an existing file, and old principals have none", () =>
    sqliteFromBefore(
      "user_name",
      (older) =>
        older.prepare("INSERT INTO principals (id, kind, display_name, created_at) VALUES (?, 'servicePrincipal', 'old app', 5)").run(APP),
      upgraded,
    ));

  it(
    "postgres: adds the user name to an existing database, and old principals have none",
    { skip: !POSTGRES_URL && "no PostgreSQL here" },
    () =>
      postgresFromBefore(
        "user_name",
        async (older) => {
          await older.query(
            "INSERT INTO principals (id_key, id, kind, display_name, created_at) VALUES ($1, $2, 'servicePrincipal', 'old app', 5)",
            [APP.toLowerCase(), APP],
          );
        },
        upgraded,
      ),
  );
});
