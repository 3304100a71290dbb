import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { grants } from "../../src/authz/action-pattern.js";
import { builtInRoleByName } from "../../src/authz/built-in-roles.js";
import { OPERATIONS } from "../../src/authz/operations.js";
import { PERMISSIONS } from "../../src/authz/permissions.js";

const certificateOperations = Object.entries(OPERATIONS).filter(([operation]) => operation.startsWith("certificates/"));

describe("certificate operations", () => {
  it("are authorised by certificate permissions that access policies know", () => {
    assert.ok(certificateOperations.length > 0);
    for (const [operation, rule] of certificateOperations) {
      assert.equal(rule.category, "certificates", operation);
      assert.ok(PERMISSIONS.certificates.includes(rule.permission), operation);
    }
  });

  it("are all allowed by Key Vault Certificates Officer and none by Key Vault Secrets Officer", () => {
    const officer = builtInRoleByName("Key Vault Certificates Officer")!.permissions.dataActions;
    const secretsOfficer = builtInRoleByName("Key Vault Secrets Officer")!.permissions.dataActions;
    for (const [operation, { dataAction }] of certificateOperations) {
      assert.ok(grants(officer, [], dataAction), `${operation}: ${dataAction}`);
      assert.ok(!grants(secretsOfficer, [], dataAction), `${operation}: ${dataAction}`);
    }
  });

  it("reading a certificate is allowed by Key Vault Certificate User and Key Vault Reader, changing it is not", () => {
    for (const roleName of ["Key Vault Certificate User", "Key Vault Reader"]) {
      const actions = builtInRoleByName(roleName)!.permissions.dataActions;
      assert.ok(grants(actions, [], OPERATIONS["certificates/get"].dataAction), roleName);
      assert.ok(grants(actions, [], OPERATIONS["certificates/list"].dataAction), roleName);
      assert.ok(!grants(actions, [], OPERATIONS["certificates/create"].dataAction), roleName);
      assert.ok(!grants(actions, [], OPERATIONS["certificates/delete"].dataAction), roleName);
    }
  });
});
