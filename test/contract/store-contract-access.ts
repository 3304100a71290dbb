import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AccessPolicyRecord, RoleAssignmentRecord, RoleDefinitionRecord } from "../../src/storage/records.js";
import type { Store } from "../../src/storage/store.js";
import { VAULT, credentialRecord, principalRecord, vaultRecord, versionRecord } from "./store-contract-fixtures.js";

const ALICE = "0a1b2c3d-0000-4000-8000-0000000000a1";
const BOB = "0a1b2c3d-0000-4000-8000-0000000000b0";

const policy = (principalId: string, secrets: string[], vault = VAULT): AccessPolicyRecord => ({
  vault,
  principalId,
  permissions: { keys: [], secrets, certificates: [] },
  updatedAt: 1_700_000_100,
});

const assignment = (id: string, principalId: string, scope: string, roleDefinitionId = "role-1"): RoleAssignmentRecord => ({
  id,
  principalId,
  roleDefinitionId,
  scope,
  createdAt: 1_700_000_200,
  createdBy: "tester",
});

const role = (id: string, roleName: string, dataActions: string[]): RoleDefinitionRecord => ({
  id,
  roleName,
  description: `${roleName} role`,
  permissions: { actions: [], notActions: [], dataActions, notDataActions: [] },
  createdAt: 1_700_000_300,
});

/** Vault settings, credentials one by one, access policies, role assignments and custom roles. */
export function accessContract(store: () => Store): void {
  async function seed(): Promise<void> {
    await store().createVault(vaultRecord(VAULT));
    await store().createPrincipal(principalRecord(ALICE));
    await store().createPrincipal(principalRecord(BOB));
  }

  describe("vault settings", () => {
    it("switches the permission model and purge protection, and nothing else", async () => {
      await store().createVault(vaultRecord(VAULT));
      const updated = await store().updateVault("MAIN", { enableRbacAuthorization: false });
      assert.deepEqual(updated, vaultRecord(VAULT, { enableRbacAuthorization: false }));
      assert.deepEqual(await store().getVault(VAULT), updated, "read after the update");
      assert.deepEqual(
        await store().updateVault(VAULT, { purgeProtection: true }),
        vaultRecord(VAULT, { enableRbacAuthorization: false, purgeProtection: true }),
      );
      assert.deepEqual(await store().updateVault(VAULT, {}), vaultRecord(VAULT, { enableRbacAuthorization: false, purgeProtection: true }));
      assert.equal(await store().updateVault("absent", { purgeProtection: true }), undefined);
    });

    it("changes the tier both ways, and nothing else; other changes keep it", async () => {
      await store().createVault(vaultRecord(VAULT, { enableRbacAuthorization: false }));
      const premium = vaultRecord(VAULT, { enableRbacAuthorization: false, sku: "premium" });
      assert.deepEqual(await store().updateVault("main", { sku: "premium" }), premium);
      assert.deepEqual(await store().getVault(VAULT), premium, "read after the update");
      assert.deepEqual(await store().updateVault(VAULT, { purgeProtection: true }), { ...premium, purgeProtection: true });
      const standard = await store().transaction((tx) => tx.updateVault(VAULT, { sku: "standard" }));
      assert.deepEqual(standard, vaultRecord(VAULT, { enableRbacAuthorization: false, purgeProtection: true }));
      assert.deepEqual(await store().getVault(VAULT), standard, "a transaction's change, read after its commit");
    });
  });

  describe("credentials one by one", () => {
    it("finds and deletes one credential of one principal", async () => {
      await seed();
      const certificate = credentialRecord("cred-cert", ALICE, {
        kind: "certificate",
        hash: "ab".repeat(32),
        certificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
      });
      const secret = credentialRecord("cred-secret", ALICE);
      await store().addCredential(certificate);
      await store().addCredential(secret);
      assert.deepEqual(await store().getCredential(ALICE.toUpperCase(), "cred-cert"), certificate);
      assert.equal(await store().getCredential(BOB, "cred-cert"), undefined, "another principal's credential");
      assert.equal(await store().deleteCredential(BOB, "cred-cert"), false);
      assert.equal(await store().deleteCredential(ALICE, "cred-cert"), true);
      assert.equal(await store().getCredential(ALICE, "cred-cert"), undefined, "a deleted credential is gone at once");
      assert.deepEqual(await store().listCredentials(ALICE), [secret]);
      await store().deletePrincipal(ALICE);
      assert.equal(await store().getCredential(ALICE, "cred-secret"), undefined, "and with its principal");
    });
  });

  describe("access policies", () => {
    it("sets, replaces, lists and deletes a principal's policy on a vault", async () => {
      await seed();
      assert.equal(await store().getAccessPolicy(VAULT, ALICE), undefined);
      await store().setAccessPolicy(policy(ALICE, ["get"]));
      assert.deepEqual(await store().getAccessPolicy("main", ALICE.toUpperCase()), policy(ALICE, ["get"]));
      await store().setAccessPolicy(policy(ALICE, ["get", "list"]));
      assert.deepEqual(await store().getAccessPolicy(VAULT, ALICE), policy(ALICE, ["get", "list"]), "replaced, read at once");
      await store().setAccessPolicy(policy(BOB, ["set"]));
      assert.deepEqual((await store().listAccessPolicies(VAULT)).map((p) => p.principalId).sort(), [ALICE, BOB].sort());
      assert.equal(await store().deleteAccessPolicy(VAULT, BOB), true);
      assert.equal(await store().deleteAccessPolicy(VAULT, BOB), false);
      assert.equal(await store().getAccessPolicy(VAULT, BOB), undefined);
    });

    it("removes policies with their principal and with their vault", async () => {
      await seed();
      await store().setAccessPolicy(policy(ALICE, ["get"]));
      await store().setAccessPolicy(policy(BOB, ["get"]));
      await store().deletePrincipal(ALICE);
      assert.equal(await store().getAccessPolicy(VAULT, ALICE), undefined);
      await store().softDeleteVault(VAULT, 1, 2);
      assert.deepEqual(await store().listAccessPolicies(VAULT), [policy(BOB, ["get"])], "kept while the vault is soft-deleted");
      await store().purgeVault(VAULT);
      await store().createVault(vaultRecord(VAULT));
      assert.deepEqual(await store().listAccessPolicies(VAULT), [], "a recreated vault has no old policies");
    });

    it("gives a recovered vault its policies back as they were", async () => {
      await seed();
      await store().setAccessPolicy(policy(ALICE, ["get", "list"]));
      await store().softDeleteVault(VAULT, 1, 2);
      await store().recoverVault(VAULT);
      assert.deepEqual(await store().getAccessPolicy(VAULT, ALICE), policy(ALICE, ["get", "list"]));
      assert.deepEqual(await store().listAccessPolicies(VAULT), [policy(ALICE, ["get", "list"])]);
    });
  });

  describe("role assignments", () => {
    it("creates, finds, lists (all or one principal's) and deletes assignments", async () => {
      await seed();
      const a1 = assignment("as-1", ALICE, "/");
      const a2 = assignment("as-2", ALICE, "/vaults/main/secrets/s1", "role-2");
      const b1 = assignment("as-3", BOB, "/vaults/main");
      for (const a of [a1, a2, b1]) assert.equal(await store().createRoleAssignment(a), true);
      assert.deepEqual(await store().getRoleAssignment("AS-2"), a2);
      assert.deepEqual(await store().listRoleAssignments(ALICE.toUpperCase()), [a1, a2]);
      assert.deepEqual(await store().listRoleAssignments(), [a1, a2, b1]);
      assert.equal(await store().deleteRoleAssignment("as-1"), true);
      assert.equal(await store().deleteRoleAssignment("as-1"), false);
      assert.deepEqual(await store().listRoleAssignments(ALICE), [a2], "a deletion is seen at once");
    });

    it("lists only a principal's assignments that can apply in one vault: at /, at the vault and below it", async () => {
      await seed();
      await store().createVault(vaultRecord("other"));
      const top = assignment("as-1", ALICE, "/");
      const inMain = assignment("as-2", ALICE, "/vaults/main");
      const other = assignment("as-3", ALICE, "/vaults/other");
      const onObject = assignment("as-4", ALICE, "/vaults/main/secrets/s1", "role-2");
      const bobs = assignment("as-5", BOB, "/vaults/main");
      for (const a of [top, inMain, other, onObject, bobs]) assert.equal(await store().createRoleAssignment(a), true);
      assert.deepEqual(await store().listRoleAssignmentsInVault(ALICE.toUpperCase(), "MAIN"), [top, inMain, onObject]);
      assert.deepEqual(await store().listRoleAssignmentsInVault(ALICE, "other"), [top, other]);
      assert.deepEqual(await store().listRoleAssignmentsInVault(BOB, "other"), []);
      await store().deleteRoleAssignment("as-1");
      assert.deepEqual(await store().listRoleAssignmentsInVault(ALICE, "other"), [other], "a deletion is seen at once");
    });

    it("refuses the same id twice, and the same role for the same principal at the same scope", async () => {
      await seed();
      assert.equal(await store().createRoleAssignment(assignment("as-1", ALICE, "/vaults/main")), true);
      assert.equal(await store().createRoleAssignment(assignment("as-1", BOB, "/")), false);
      assert.equal(await store().createRoleAssignment(assignment("as-2", ALICE, "/vaults/main")), false);
      assert.equal(await store().createRoleAssignment(assignment("as-3", ALICE, "/vaults/main", "role-2")), true);
      assert.equal((await store().listRoleAssignments()).length, 2);
    });

    it("removes assignments with their principal, and vault-scoped ones with their vault", async () => {
      await seed();
      await store().createRoleAssignment(assignment("as-1", ALICE, "/"));
      await store().createRoleAssignment(assignment("as-2", BOB, "/"));
      await store().createRoleAssignment(assignment("as-3", BOB, "/vaults/main"));
      await store().createRoleAssignment(assignment("as-4", BOB, "/vaults/main/keys/k1"));
      await store().deletePrincipal(ALICE);
      assert.deepEqual(await store().listRoleAssignments(ALICE), []);
      await store().softDeleteVault(VAULT, 1, 2);
      assert.deepEqual(
        (await store().listRoleAssignments(BOB)).map((a) => a.id),
        ["as-2", "as-3", "as-4"],
        "kept while the vault is soft-deleted",
      );
      await store().recoverVault(VAULT);
      assert.deepEqual(
        (await store().listRoleAssignments(BOB)).map((a) => a.id),
        ["as-2", "as-3", "as-4"],
        "and after its recovery",
      );
      await store().softDeleteVault(VAULT, 1, 2);
      await store().purgeVault(VAULT);
      assert.deepEqual(
        (await store().listRoleAssignments(BOB)).map((a) => a.id),
        ["as-2"],
      );
    });
  });

  describe("custom roles", () => {
    it("puts, replaces, finds, lists and deletes role definitions", async () => {
      const reader = role("role-r", "Reader of things", ["a/read"]);
      const writer = role("role-w", "A writer", ["a/write"]);
      await store().putRoleDefinition(reader);
      await store().putRoleDefinition(writer);
      assert.deepEqual(await store().getRoleDefinition("ROLE-R"), reader);
      assert.deepEqual(await store().listRoleDefinitions(), [writer, reader], "by name");
      const changed = role("role-r", "Reader of things", ["a/read", "b/read"]);
      await store().putRoleDefinition(changed);
      assert.deepEqual(await store().getRoleDefinition("role-r"), changed, "replaced, read at once");
      assert.equal(await store().deleteRoleDefinition("role-r"), true);
      assert.equal(await store().deleteRoleDefinition("role-r"), false);
      assert.equal(await store().getRoleDefinition("role-r"), undefined);
    });
  });
}

/** The background work's view: objects with policies, and leadership among the processes sharing a store. */
export function backgroundContract(store: () => Store): void {
  describe("background work", () => {
    it("lists the live objects of a kind that have a policy", async () => {
      await store().createVault(vaultRecord(VAULT));
      for (const [name, n] of [
        ["rotated", 1],
        ["plain", 1],
        ["deleted", 1],
      ] as const)
        await store().addObjectVersion(versionRecord(name, n, { kind: "key" }));
      await store().addObjectVersion(versionRecord("secret-with-policy", 1));
      await store().setObjectPolicy(VAULT, "key", "rotated", '{"p":1}');
      await store().setObjectPolicy(VAULT, "key", "deleted", '{"p":2}');
      await store().setObjectPolicy(VAULT, "secret", "secret-with-policy", '{"p":3}');
      await store().setObjectDeleted(VAULT, "key", "deleted", 1, 2);
      assert.deepEqual(await store().listObjectPolicies("key"), [{ vault: VAULT, name: "rotated", policy: '{"p":1}' }]);
      await store().softDeleteVault(VAULT, 1, 2);
      assert.deepEqual(await store().listObjectPolicies("key"), [], "nothing in a soft-deleted vault");
      await store().recoverVault(VAULT);
      assert.deepEqual(await store().listObjectPolicies("key"), [{ vault: VAULT, name: "rotated", policy: '{"p":1}' }]);
    });

    it("says whether this process leads", async () => {
      assert.equal(await store().leads(), true, "one store alone leads");
      assert.equal(await store().leads(), true, "and keeps leading");
    });
  });
}
