import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Store } from "../../src/storage/store.js";
import { UserNameTakenError } from "../../src/storage/user-name-taken.js";
import { credentialRecord, principalRecord } from "./store-contract-fixtures.js";

const ALICE = "0a1b2c3d-0000-4000-8000-0000000000a1";
const BOB = "0a1b2c3d-0000-4000-8000-0000000000b0";
const APP = "0a1b2c3d-0000-4000-8000-0000000000c0";
const IDENTITY = "0a1b2c3d-0000-4000-8000-0000000000d0";

const user = (id: string, userName: string, createdAt = 1_700_000_000) =>
  principalRecord(id, { kind: "user", displayName: `user ${userName}`, userName, createdAt });

/** Users: principals with a sign-in name, unique among users without regard to case, and password credentials. */
export function userContract(store: () => Store): void {
  describe("users", () => {
    it("creates, finds and lists users beside other principals, which have no user name", async () => {
      const app = principalRecord(APP, { createdAt: 1 });
      const identity = principalRecord(IDENTITY, { kind: "managedIdentity", createdAt: 2 });
      const alice = user(ALICE, "Alice@Example.org", 3);
      for (const p of [app, identity, alice]) await store().createPrincipal(p);
      assert.deepEqual(await store().getPrincipal(ALICE), alice);
      assert.deepEqual(await store().listPrincipals(), [app, identity, alice]);
      assert.equal((await store().getPrincipal(APP))?.userName, null);
      assert.equal((await store().getPrincipal(IDENTITY))?.userName, null);
    });

    it("finds a user by name without regard to case, and only users", async () => {
      const alice = user(ALICE, "Alice@Example.org");
      await store().createPrincipal(alice);
      await store().createPrincipal(principalRecord(APP, { displayName: "alice@example.org" }));
      assert.deepEqual(await store().getUserByName("alice@example.org"), alice);
      assert.deepEqual(await store().getUserByName("ALICE@EXAMPLE.ORG"), alice);
      assert.deepEqual(await store().transaction((tx) => tx.getUserByName("aLiCe@example.ORG")), alice, "in a transaction too");
      assert.equal(await store().getUserByName("bob@example.org"), undefined);
      assert.equal(await store().getUserByName(ALICE), undefined, "an object id is not a user name");
      assert.equal(await store().getUserByName("alice@example.or_"), undefined, "no pattern matching");
    });

    it("refuses a second user with the same name in any case, and keeps the first", async () => {
      const alice = user(ALICE, "alice@example.org");
      await store().createPrincipal(alice);
      await assert.rejects(store().createPrincipal(user(BOB, "ALICE@example.ORG")), (error: unknown) => {
        assert.ok(error instanceof UserNameTakenError, String(error));
        assert.equal(error.userName, "ALICE@example.ORG");
        return true;
      });
      await assert.rejects(
        store().transaction((tx) => tx.createPrincipal(user(BOB, "Alice@Example.org"))),
        UserNameTakenError,
        "in a transaction too",
      );
      assert.equal(await store().getPrincipal(BOB), undefined);
      assert.deepEqual(await store().listPrincipals(), [alice]);
      await store().createPrincipal(user(BOB, "bob@example.org"));
      assert.equal((await store().getUserByName("BOB@example.org"))?.id, BOB, "another name is free");
    });

    it("lets any number of other principals have no user name", async () => {
      await store().createPrincipal(principalRecord(APP));
      await store().createPrincipal(principalRecord(IDENTITY, { kind: "managedIdentity" }));
      await store().createPrincipal(principalRecord(BOB));
      assert.equal((await store().listPrincipals()).length, 3);
    });

    it("keeps a user's password credential, and removes it and frees the name with the user", async () => {
      await store().createPrincipal(user(ALICE, "alice@example.org"));
      const password = credentialRecord("cred-password", ALICE, { kind: "password", hash: "scrypt$32768$8$1$salt$hash" });
      await store().addCredential(password);
      assert.deepEqual(await store().listCredentials(ALICE), [password]);
      assert.deepEqual(await store().getCredential(ALICE, "cred-password"), password);

      assert.equal(await store().deletePrincipal(ALICE), true);
      assert.equal(await store().getUserByName("alice@example.org"), undefined);
      assert.deepEqual(await store().listCredentials(ALICE), []);
      assert.equal(await store().getCredential(ALICE, "cred-password"), undefined);
      await store().createPrincipal(user(BOB, "Alice@example.org"));
      assert.equal((await store().getUserByName("alice@example.org"))?.id, BOB, "the name is free again");
    });
  });
}
