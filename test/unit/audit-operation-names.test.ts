import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { OPERATIONS } from "../../src/authz/operations.js";
import {
  DATA_PLANE_OPERATION_NAMES,
  MANAGEMENT_OPERATION_NAMES,
  auditOperationName,
} from "../../src/server/audit/audit-operation-names.js";

const ROUTES = join(dirname(fileURLToPath(import.meta.url)), "../../../src/server/routes");

/** Every management action an admin route declares (`action("vaults/write")`), as `Keyhold/vaults/write`. */
function adminActions(): string[] {
  const actions = readdirSync(ROUTES).flatMap((file) =>
    [...readFileSync(join(ROUTES, file), "utf8").matchAll(/\baction\("([^"]+)"\)/g)].map((m) => `Keyhold/${m[1]}`),
  );
  return [...new Set(actions)].sort();
}

describe("the audit trail's operation names", () => {
  it("gives every data-plane operation a name in Azure's ObjectVerb form", () => {
    for (const operation of Object.keys(OPERATIONS)) {
      const name = (DATA_PLANE_OPERATION_NAMES as Record<string, string>)[operation];
      assert.match(name ?? "", /^(Secret|Key|Certificate)[A-Z][A-Za-z]+$/, operation);
      assert.ok(name!.startsWith({ secrets: "Secret", keys: "Key", certificates: "Certificate" }[operation.split("/")[0]!]!), operation);
    }
    assert.equal(auditOperationName("secrets/get"), "SecretGet");
    assert.equal(auditOperationName("keys/sign"), "KeySign");
    assert.equal(auditOperationName("certificates/create"), "CertificateCreate");
  });

  it("names no two data-plane operations alike", () => {
    const names = Object.values(DATA_PLANE_OPERATION_NAMES);
    assert.equal(new Set(names).size, names.length);
  });

  it("gives every admin route's management action and the token endpoints a name", () => {
    const actions = adminActions();
    assert.ok(actions.includes("Keyhold/vaults/write") && actions.length >= 15, actions.join(", "));
    for (const action of actions) assert.ok(MANAGEMENT_OPERATION_NAMES[action], `${action} has no audit name`);
    assert.equal(auditOperationName("Keyhold/accessPolicies/write"), "VaultAccessPolicyChange");
    assert.equal(auditOperationName("identity/token"), "Authentication");
    assert.equal(auditOperationName("identity/msiToken"), "Authentication");
  });
});
