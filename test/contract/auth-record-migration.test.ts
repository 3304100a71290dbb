import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Store } from "../../src/storage/store.js";
import { postgresFromBefore, sqliteFromBefore } from "../support/older-schema.js";
import { POSTGRES_URL } from "../support/test-database.js";

const USER = "0a1b2c3d-0000-4000-8000-0000000000a1";

/** What a store opened on data from before sign-in state must do: keep its users, and keep their records from now on. */
async function upgraded(store: Store): Promise<void> {
  assert.equal((await store.getUserByName("old@example.org"))?.id, USER);
  const session = {
    kind: "session",
    id: "s1",
    principalId: USER,
    sessionId: null,
    lookup: null,
    body: "{}",
    revision: 1,
    expiresAt: 9,
  } as const;
  assert.equal(await store.createAuthRecord(session), true);
  assert.deepEqual(await store.getAuthRecord("session", "s1"), session);
  const device = { ...session, kind: "device", id: "d1", principalId: null, lookup: "AAAA-BBBB" } as const;
  assert.equal(await store.createAuthRecord(device), true);
  assert.equal(await store.createAuthRecord({ ...device, id: "d2" }), false, "with its unique lookups");
  assert.equal(await store.deletePrincipal(USER), true);
  assert.equal(await store.getAuthRecord("session", "s1"), undefined, "the table's records go with their principal");
}

describe("sign-in state in a store from before it", () => {
  it("sqlite: adds the auth records table to an existing file", () =>
    sqliteFromBefore(
      "auth_records",
      (older) =>
        older
          .prepare("INSERT INTO principals (id, kind, display_name, user_name, created_at) VALUES (?, 'user', 'old', 'old@example.org', 5)")
          .run(USER),
      upgraded,
    ));

  it("postgres: adds the auth records table to an existing database", { skip: !POSTGRES_URL && "no PostgreSQL here" }, () =>
    postgresFromBefore(
      "auth_records",
      async (older) => {
        await older.query(
          `INSERT INTO principals (id_key, id, kind, display_name, user_name, created_at)
             VALUES ($1, $2, 'user', 'old', 'old@example.org', 5)`,
          [USER.toLowerCase(), USER],
        );
      },
      upgraded,
    ),
  );
});
