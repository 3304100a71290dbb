import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runKeyhold } from "../support/cli.js";
import { type DevServer, startDevServer, testRoot } from "../support/dev-server.js";

/** The administration commands (principals, identities, policies, roles, vault settings) as child processes. */
describe("keyhold administration commands", () => {
  let server: DevServer;
  before(async () => {
    server = await startDevServer();
  });
  after(async () => {
    await server.stop();
  });

  const keyhold = (args: string[], env: Record<string, string> = server.env) => runKeyhold(env, args);
  const ok = (args: string[], env?: Record<string, string>): any => {
    const r = keyhold(args, env);
    assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : null;
  };
  const fails = (args: string[], code: RegExp, env?: Record<string, string>) => {
    const r = keyhold(args, env);
    assert.equal(r.status, 1, `keyhold ${args.join(" ")} should fail`);
    assert.match(r.stderr, code);
  };

  it("manages a principal's credentials: a second secret, then the first one removed", () => {
    const sp = ok(["principal", "create", "--name", "rotating", "--secret-lifetime-days", "30"]);
    const added = ok(["principal", "credential", "add", "--id", sp.clientId, "--lifetime-days", "90"]);
    assert.ok(added.clientSecret, "the new secret, printed once");
    const listed = ok(["principal", "credential", "list", "--id", sp.clientId]);
    assert.equal(listed.length, 2);
    assert.ok(listed.every((c: any) => c.clientSecret === undefined && c.type === "clientSecret" && c.expiresAt));
    const asNew = { ...server.env, AZURE_CLIENT_ID: sp.clientId, AZURE_CLIENT_SECRET: added.clientSecret };
    const asOld = { ...server.env, AZURE_CLIENT_ID: sp.clientId, AZURE_CLIENT_SECRET: sp.clientSecret };
    fails(["vault", "list"], /^ERROR: \(Forbidden\)/, asOld);
    ok(["principal", "credential", "delete", "--id", sp.clientId, "--credential-id", sp.credentialId]);
    fails(["vault", "list"], /^ERROR: \(invalid_client\)/, asOld);
    fails(["vault", "list"], /^ERROR: \(Forbidden\)/, asNew);
    assert.equal(ok(["principal", "show", "--id", sp.clientId]).credentials.length, 1);
    assert.ok(ok(["principal", "list"]).some((p: any) => p.id === sp.clientId));
  });

  it("creates, lists and deletes managed identities", () => {
    const made = ok(["identity", "create", "--name", "worker"]);
    assert.match(made.identityHeader, new RegExp(`^${made.id}\\.`));
    assert.ok(ok(["identity", "list"]).some((i: any) => i.id === made.id && i.type === "managedIdentity"));
    assert.ok(!ok(["identity", "list"]).some((i: any) => i.type !== "managedIdentity"));
    ok(["identity", "delete", "--id", made.id]);
    assert.ok(!ok(["identity", "list"]).some((i: any) => i.id === made.id));
    fails(["identity", "delete", "--id", made.id], /^ERROR: \(PrincipalNotFound\)/);
  });

  it("sets, merges, lists and deletes access policies, and switches a vault's model", () => {
    const sp = ok(["principal", "create", "--name", "policy-holder"]);
    ok(["vault", "create", "--name", "cli-model", "--enable-rbac-authorization", "false"]);
    ok(["policy", "set", "--vault-name", "cli-model", "--spn", sp.clientId, "--secret-permissions", "get", "list"]);
    const merged = ok(["policy", "set", "--vault-name", "cli-model", "--spn", sp.clientId, "--key-permissions", "all"]);
    assert.deepEqual(merged.permissions.secrets, ["get", "list"], "categories not given keep their permissions");
    assert.equal(merged.permissions.keys.length, 20);
    fails(
      ["policy", "set", "--vault-name", "cli-model", "--spn", sp.clientId, "--secret-permissions", "fly"],
      /^ERROR: \(BadParameter\) 'fly' is not a secrets permission/,
    );
    assert.equal(ok(["policy", "list", "--vault-name", "cli-model"]).length, 2, "the creator's and this one");
    ok(["policy", "delete", "--vault-name", "cli-model", "--spn", sp.clientId]);
    assert.equal(ok(["policy", "list", "--vault-name", "cli-model"]).length, 1);

    assert.equal(
      ok(["vault", "update", "--name", "cli-model", "--enable-rbac-authorization", "true"]).properties.enableRbacAuthorization,
      true,
    );
    assert.equal(ok(["vault", "update", "--name", "cli-model", "--enable-purge-protection"]).properties.enablePurgeProtection, true);
    fails(
      ["vault", "update", "--name", "cli-model", "--enable-purge-protection", "false"],
      /^ERROR: \(BadParameter\) Purge protection cannot be disabled/,
    );
  });

  it("creates custom roles, assigns, lists and deletes assignments and roles", () => {
    const sp = ok(["principal", "create", "--name", "role-holder"]);
    const file = join(testRoot(), "role.json");
    writeFileSync(
      file,
      JSON.stringify({
        roleName: "CLI Secret Reader",
        description: "reads",
        permissions: { dataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action"] },
      }),
    );
    const role = ok(["role", "definition", "create", "--role-definition", `@${file}`]);
    assert.equal(role.roleType, "CustomRole");
    const names = ok(["role", "definition", "list", "--query", "[].roleName"]);
    for (const name of ["Key Vault Administrator", "Key Vault Secrets User", "Keyhold Administrator", "CLI Secret Reader"])
      assert.ok(names.includes(name), name);
    const assignment = ok([
      "role",
      "assignment",
      "create",
      "--role",
      "CLI Secret Reader",
      "--assignee",
      sp.clientId,
      "--scope",
      `/vaults/${server.env.KEY_VAULT_NAME}`,
    ]);
    fails(
      [
        "role",
        "assignment",
        "create",
        "--role",
        "CLI Secret Reader",
        "--assignee",
        sp.clientId,
        "--scope",
        `/vaults/${server.env.KEY_VAULT_NAME}`,
      ],
      /^ERROR: \(RoleAssignmentExists\)/,
    );
    assert.deepEqual(ok(["role", "assignment", "list", "--assignee", sp.clientId, "--query", "[].roleDefinitionName"]), [
      "CLI Secret Reader",
    ]);
    fails(["role", "definition", "delete", "--name", "CLI Secret Reader"], /^ERROR: \(Conflict\) .*assigned/);
    ok(["role", "assignment", "delete", "--id", assignment.name]);
    assert.deepEqual(ok(["role", "assignment", "list", "--assignee", sp.clientId]), []);
    ok(["role", "definition", "delete", "--name", "CLI Secret Reader"]);
    fails(["role", "definition", "delete", "--name", "Key Vault Reader"], /^ERROR: \(BadParameter\) .*built-in/);
  });
});
