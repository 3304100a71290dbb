import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { actionMatches } from "../../src/authz/action-pattern.js";
import { type Grants, type HeldRole, authorize, authorizeManagement } from "../../src/authz/authorize.js";
import { builtInRoleByName } from "../../src/authz/built-in-roles.js";
import { OPERATIONS, type Operation } from "../../src/authz/operations.js";
import { canonicalPermissions } from "../../src/authz/permissions.js";
import { canonicalScope, scopeCovers } from "../../src/authz/scope.js";
import type { VaultRecord } from "../../src/storage/records.js";

const vault = (rbac: boolean): VaultRecord => ({
  name: "Main",
  createdAt: 0,
  retentionDays: 90,
  purgeProtection: false,
  enableRbacAuthorization: rbac,
  sku: "standard",
  createdBy: "x",
});
const held = (roleName: string, scope: string): HeldRole => ({
  role: builtInRoleByName(roleName)!,
  assignment: { id: "a", principalId: "p", roleDefinitionId: builtInRoleByName(roleName)!.id, scope, createdAt: 0, createdBy: "x" },
});
const rbac = (...roles: HeldRole[]): Grants => ({ policy: undefined, roles });
const policy = (secrets: string[], keys: string[] = []): Grants => ({
  policy: { vault: "main", principalId: "p", permissions: { secrets, keys, certificates: [] }, updatedAt: 0 },
  roles: [held("Key Vault Administrator", "/")],
});

describe("authorize", () => {
  it("denies by default in both models, with Azure's inner codes", () => {
    for (const operation of Object.keys(OPERATIONS) as Operation[]) {
      const byPolicy = authorize(vault(false), operation, "s1", { policy: undefined, roles: [] });
      const byRbac = authorize(vault(true), operation, "s1", { policy: undefined, roles: [] });
      assert.deepEqual([byPolicy.allowed, byRbac.allowed], [false, false], operation);
      assert.equal(!byPolicy.allowed && byPolicy.innerCode, "ForbiddenByPolicy");
      assert.equal(!byRbac.allowed && byRbac.innerCode, "ForbiddenByRbac");
    }
  });

  it("uses only the access policy in a policy vault (roles do not count there)", () => {
    assert.equal(authorize(vault(false), "secrets/get", "s1", policy(["get"])).allowed, true);
    assert.equal(
      authorize(vault(false), "secrets/set", "s1", policy(["get"])).allowed,
      false,
      "the Administrator role at '/' does not help",
    );
    assert.equal(authorize(vault(false), "secrets/update", "s1", policy(["set"])).allowed, true, "updating a secret takes 'set'");
    assert.equal(authorize(vault(false), "keys/getRotationPolicy", "k1", policy([], ["getrotationpolicy"])).allowed, true);
  });

  it("uses only role assignments in an RBAC vault, at the server, vault or object scope", () => {
    assert.equal(
      authorize(vault(true), "secrets/get", "s1", { ...policy(["get"]), roles: [] }).allowed,
      false,
      "policies do not count there",
    );
    assert.equal(
      authorize(vault(true), "secrets/get", "S1", rbac(held("Key Vault Secrets User", "/vaults/main/secrets/s1"))).allowed,
      true,
    );
    assert.equal(
      authorize(vault(true), "secrets/get", "s2", rbac(held("Key Vault Secrets User", "/vaults/main/secrets/s1"))).allowed,
      false,
    );
    assert.equal(
      authorize(vault(true), "secrets/list", null, rbac(held("Key Vault Secrets User", "/vaults/main/secrets/s1"))).allowed,
      false,
      "listing is vault-wide",
    );
    assert.equal(authorize(vault(true), "secrets/get", "s2", rbac(held("Key Vault Secrets User", "/vaults/main"))).allowed, true);
    assert.equal(authorize(vault(true), "secrets/get", "s2", rbac(held("Key Vault Secrets User", "/vaults/other"))).allowed, false);
    assert.equal(authorize(vault(true), "secrets/get", "s2", rbac(held("Key Vault Secrets User", "/"))).allowed, true);
    assert.equal(authorize(vault(true), "secrets/set", "s2", rbac(held("Key Vault Secrets User", "/"))).allowed, false);
    assert.equal(authorize(vault(true), "keys/sign", "k", rbac(held("Key Vault Crypto User", "/vaults/main"))).allowed, true);
    assert.equal(authorize(vault(true), "keys/purge", "k", rbac(held("Key Vault Crypto User", "/vaults/main"))).allowed, false);
    assert.equal(authorize(vault(true), "keys/purge", "k", rbac(held("Key Vault Crypto Officer", "/vaults/main"))).allowed, true);
    assert.equal(authorize(vault(true), "keys/get", "k", rbac(held("Key Vault Reader", "/vaults/main"))).allowed, true);
    assert.equal(
      authorize(vault(true), "secrets/get", "s", rbac(held("Key Vault Reader", "/vaults/main"))).allowed,
      false,
      "no secret values for readers",
    );
    assert.equal(authorize(vault(true), "secrets/list", null, rbac(held("Key Vault Reader", "/vaults/main"))).allowed, true);
    assert.equal(
      authorize(vault(true), "keys/sign", "k", rbac(held("Keyhold Administrator", "/"))).allowed,
      false,
      "server administration is no data access",
    );
  });

  it("lets only roles at the server scope manage the server", () => {
    assert.equal(authorizeManagement("Keyhold/vaults/write", [held("Keyhold Administrator", "/")]).allowed, true);
    assert.equal(authorizeManagement("Keyhold/vaults/write", [held("Keyhold Administrator", "/vaults/main")]).allowed, false);
    assert.equal(authorizeManagement("Keyhold/vaults/write", [held("Key Vault Administrator", "/")]).allowed, false);
  });
});

describe("authorization helpers", () => {
  it("matches actions with wildcards, ignoring case", () => {
    assert.equal(actionMatches("Microsoft.KeyVault/vaults/*/read", "microsoft.keyvault/vaults/keys/read"), true);
    assert.equal(actionMatches("Microsoft.KeyVault/vaults/secrets/*", "Microsoft.KeyVault/vaults/keys/read"), false);
    assert.equal(actionMatches("a.b", "aXb"), false, "a dot is only a dot");
  });

  it("accepts the three scope forms only, canonically, and knows which covers which", () => {
    assert.equal(canonicalScope("/Vaults/Main/"), "/vaults/main");
    assert.equal(canonicalScope("/vaults/main/secrets/S1"), "/vaults/main/secrets/s1");
    for (const bad of ["", "vaults/main", "/vaults", "/vaults/m", "/vaults/main/blobs/x", "/vaults/main/secrets", "/x"])
      assert.equal(canonicalScope(bad), null, bad);
    assert.equal(scopeCovers("/vaults/main", "/vaults/main/secrets/s1"), true);
    assert.equal(scopeCovers("/vaults/main", "/vaults/mainly/secrets/s1"), false, "a prefix of a name is not its parent");
  });

  it("knows az's permission names, without regard to case, and 'all'", () => {
    assert.deepEqual(canonicalPermissions("secrets", ["LIST", "get", "get"]), { permissions: ["get", "list"] });
    assert.deepEqual(canonicalPermissions("keys", ["unwrapkey"]), { permissions: ["unwrapKey"] });
    assert.deepEqual(canonicalPermissions("secrets", ["fly"]), { unknown: "fly" });
    assert.equal((canonicalPermissions("certificates", ["all"]) as { permissions: string[] }).permissions.length, 16);
  });
});
