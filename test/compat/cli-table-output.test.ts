import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keyholdJson, runKeyhold } from "../support/cli.js";
import { type DevServer, startDevServer, testRoot } from "../support/dev-server.js";

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/;
const TERMINAL_WIDTH = 120;

interface Table {
  header: string[];
  rows: Record<string, string>[];
}

/** A table as `-o table` prints it, its cells cut where the dashes under the header say its columns are. */
function parseTable(text: string): Table {
  const [headerLine, dashes, ...lines] = text.trimEnd().split("\n");
  const columns = [...dashes!.matchAll(/-+/g)].map((m) => [m.index, m.index + m[0].length] as const);
  const cells = (line: string) => columns.map(([start, end], i) => line.slice(start, i === columns.length - 1 ? undefined : end).trim());
  const header = cells(headerLine!);
  return { header, rows: lines.map((line) => Object.fromEntries(cells(line).map((cell, i) => [header[i]!, cell]))) };
}

/** `-o table`: what each list and show command prints, as `az -o table` does for it. */
describe("keyhold -o table", () => {
  let server: DevServer;
  let identityId: string;

  before(async () => {
    const seed = join(mkdtempSync(join(testRoot(), "tables-")), "seed.yaml");
    writeFileSync(
      seed,
      [
        "vaults:",
        "  - name: table-vault",
        "    secrets:",
        "      db-password: { value: s3cret, contentType: text/plain, attributes: { exp: 1893553445 } }",
        '      api-token: "${random:16}"',
        "      old-secret: x",
        "    keys:",
        "      wrapper: { kty: RSA, ops: [wrapKey, unwrapKey] }",
        "      signer: { kty: EC, curve: P-256 }",
        "      old-key: { kty: EC }",
        "  - name: policy-vault",
        "    enableRbacAuthorization: false",
        "  - name: gone-vault",
        "",
      ].join("\n"),
    );
    server = await startDevServer(undefined, ["--seed", seed]);
    const json = (args: string[]) => keyholdJson(server.env, args);
    json(["secret", "delete", "--vault-name", "table-vault", "-n", "old-secret"]);
    json(["key", "delete", "--vault-name", "table-vault", "-n", "old-key"]);
    json(["vault", "delete", "--name", "gone-vault", "--yes"]);
    identityId = json(["identity", "list", "--query", "[0].clientId"]);
    json([
      "policy",
      "set",
      "--vault-name",
      "policy-vault",
      "--spn",
      identityId,
      "--secret-permissions",
      "get",
      "list",
      "--key-permissions",
      "get",
      "sign",
    ]);
    const rotation =
      '{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P30D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P90D"}}';
    json(["key", "rotation-policy", "update", "--vault-name", "table-vault", "-n", "wrapper", "--value", rotation]);
  });
  after(async () => {
    await server.stop();
  });

  /** The command's table, checked to fit a 120-column terminal. */
  const table = (args: string[]): Table => {
    const r = runKeyhold(server.env, [...args, "-o", "table"]);
    assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
    for (const line of r.stdout.split("\n"))
      assert.ok(line.length <= TERMINAL_WIDTH, `keyhold ${args.join(" ")} is ${line.length} wide:\n${r.stdout}`);
    return parseTable(r.stdout);
  };
  const row = (t: Table, column: string, value: string): Record<string, string> => {
    const found = t.rows.find((r) => r[column] === value);
    assert.ok(found, `no row with ${column} ${value} in ${JSON.stringify(t.rows)}`);
    return found;
  };

  it("shows vaults by name with their settings and a readable creation date", () => {
    const list = table(["vault", "list"]);
    assert.deepEqual(list.header, ["Name", "Sku", "RbacAuthorization", "PurgeProtection", "RetentionDays", "Created"]);
    const dev = row(list, "Name", "keyhold-dev");
    assert.deepEqual([dev.Sku, dev.RbacAuthorization, dev.PurgeProtection, dev.RetentionDays], ["premium", "true", "false", "90"]);
    assert.match(dev.Created!, ISO_DATE);
    assert.equal(row(list, "Name", "policy-vault").RbacAuthorization, "false");
    assert.deepEqual(table(["vault", "show", "--name", "table-vault"]).header, list.header);
    const deleted = table(["vault", "list-deleted"]);
    assert.deepEqual(deleted.header, ["Name", "DeletionDate", "ScheduledPurgeDate", "PurgeProtection"]);
    assert.match(row(deleted, "Name", "gone-vault").ScheduledPurgeDate!, ISO_DATE);
    assert.deepEqual(table(["vault", "show-deleted", "--name", "gone-vault"]).rows.length, 1);
  });

  it("shows secrets by name, with their content type, state and dates as ISO 8601", () => {
    const list = table(["secret", "list", "--vault-name", "table-vault"]);
    assert.deepEqual(list.header, ["Name", "ContentType", "Enabled", "Expires", "Updated"]);
    const password = row(list, "Name", "db-password");
    assert.deepEqual([password.ContentType, password.Enabled, password.Expires], ["text/plain", "true", "2030-01-02T03:04:05+00:00"]);
    assert.match(password.Updated!, ISO_DATE);
    const show = table(["secret", "show", "--vault-name", "table-vault", "-n", "db-password"]);
    assert.deepEqual(show.header, ["Name", "Version", "ContentType", "Enabled", "Expires", "Value"]);
    assert.deepEqual([show.rows[0]!.Name, show.rows[0]!.Value], ["db-password", "s3cret"]);
    assert.match(show.rows[0]!.Version!, /^[0-9a-f]{32}$/);
    const versions = table(["secret", "list-versions", "--vault-name", "table-vault", "-n", "db-password"]);
    assert.deepEqual(versions.header, ["Version", "ContentType", "Enabled", "Expires", "Created"]);
    assert.equal(versions.rows[0]!.Version, show.rows[0]!.Version);
    const set = table([
      "secret",
      "set",
      "--vault-name",
      "table-vault",
      "-n",
      "new-secret",
      "--value",
      "v",
      "--expires",
      "2031-05-06T07:08:09Z",
    ]);
    assert.deepEqual(
      [set.header.includes("Value"), set.rows[0]!.Name, set.rows[0]!.Expires],
      [false, "new-secret", "2031-05-06T07:08:09+00:00"],
    );
    const deleted = table(["secret", "list-deleted", "--vault-name", "table-vault"]);
    assert.deepEqual(deleted.header, ["Name", "DeletedDate", "ScheduledPurgeDate"]);
    assert.match(row(deleted, "Name", "old-secret").DeletedDate!, ISO_DATE);
  });

  it("shows keys by name with their type, size or curve, and operations", () => {
    const list = table(["key", "list", "--vault-name", "table-vault"]);
    assert.deepEqual(list.header, ["Name", "Enabled", "Expires", "Updated"]);
    assert.match(row(list, "Name", "wrapper").Updated!, ISO_DATE);
    const wrapper = table(["key", "show", "--vault-name", "table-vault", "-n", "wrapper"]);
    assert.deepEqual(wrapper.header, ["Name", "Type", "Operations", "Enabled", "Expires"]);
    assert.deepEqual(
      [wrapper.rows[0]!.Name, wrapper.rows[0]!.Type, wrapper.rows[0]!.Operations],
      ["wrapper", "RSA 2048", "wrapKey,unwrapKey"],
    );
    assert.equal(table(["key", "show", "--vault-name", "table-vault", "-n", "signer"]).rows[0]!.Type, "EC P-256");
    const created = table(["key", "create", "--vault-name", "table-vault", "-n", "all-ops", "--kty", "RSA"]);
    assert.equal(created.rows[0]!.Operations, "encrypt,decrypt,sign,verify,wrapKey,unwrapKey");
    assert.match(table(["key", "list-versions", "--vault-name", "table-vault", "-n", "wrapper"]).rows[0]!.Version!, /^[0-9a-f]{32}$/);
    assert.equal(row(table(["key", "list-deleted", "--vault-name", "table-vault"]), "Name", "old-key").Name, "old-key");
    const rotation = table(["key", "rotation-policy", "show", "--vault-name", "table-vault", "-n", "wrapper"]);
    assert.deepEqual(rotation.header, ["LifetimeActions", "ExpiryTime", "Created", "Updated"]);
    assert.deepEqual([rotation.rows[0]!.LifetimeActions, rotation.rows[0]!.ExpiryTime], ["Rotate P30D after create", "P90D"]);
  });

  it("shows access policies with their permissions joined, and `all` for a whole category", () => {
    const policies = table(["policy", "list", "--vault-name", "policy-vault"]);
    assert.deepEqual(policies.header, ["ObjectId", "Keys", "Secrets", "Certificates"]);
    const creator = row(policies, "ObjectId", server.env.AZURE_CLIENT_ID!.toLowerCase());
    assert.deepEqual([creator.Keys, creator.Secrets, creator.Certificates], ["all", "all", "all"]);
    const identity = row(policies, "ObjectId", identityId);
    assert.deepEqual([identity.Keys, identity.Secrets, identity.Certificates], ["get,sign", "get,list", ""]);
  });

  it("shows principals, credentials, role assignments and role definitions by name, with readable dates", () => {
    const principals = table(["principal", "list"]);
    assert.deepEqual(principals.header, ["DisplayName", "ClientId", "Type", "Created"]);
    assert.match(row(principals, "DisplayName", "keyhold-dev").Created!, ISO_DATE);
    assert.deepEqual(
      table(["identity", "list"]).rows.map((r) => r.DisplayName),
      ["keyhold-dev-identity"],
    );
    const credentials = table(["principal", "credential", "list", "--id", server.env.AZURE_CLIENT_ID!]);
    assert.deepEqual(credentials.header, ["Id", "Type", "Created", "Expires"]);
    const scope = "/vaults/table-vault/secrets/db-password";
    const created = table(["role", "assignment", "create", "--role", "Key Vault Secrets User", "--assignee", identityId, "--scope", scope]);
    assert.deepEqual(created.header, ["Principal", "Role", "Scope"]);
    assert.deepEqual(
      [created.rows[0]!.Principal, created.rows[0]!.Role, created.rows[0]!.Scope],
      ["keyhold-dev-identity", "Key Vault Secrets User", scope],
    );
    const assignments = table(["role", "assignment", "list"]);
    assert.ok(assignments.rows.some((r) => r.Principal === "keyhold-dev" && r.Role === "Keyhold Administrator" && r.Scope === "/"));
    assert.equal(row(assignments, "Scope", scope).Principal, "keyhold-dev-identity");
    const definitions = table(["role", "definition", "list"]);
    assert.deepEqual(definitions.header, ["RoleName", "RoleType", "Name"]);
    assert.equal(row(definitions, "RoleName", "Key Vault Secrets User").RoleType, "BuiltInRole");
  });

  it("leaves JSON, TSV and --query as the API answers", () => {
    const json = keyholdJson(server.env, ["secret", "list", "--vault-name", "table-vault"]);
    const password = json.find((s: { id: string }) => s.id.endsWith("/secrets/db-password"));
    assert.equal(password.attributes.exp, 1893553445);
    assert.equal(typeof password.attributes.created, "number");
    const tsv = runKeyhold(server.env, ["secret", "list", "--vault-name", "table-vault", "-o", "tsv"]).stdout;
    assert.match(tsv, /^https:\/\/\S+\/secrets\/\S+\ttrue\t\d+\t\d+\t/m, "TSV rows are the JSON's scalars");
    const queried = table(["secret", "list", "--vault-name", "table-vault", "--query", "[].attributes.exp"]);
    assert.deepEqual(queried.header, ["Result"]);
  });
});
