import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { ClientCertificateCredential, DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { makeClientCertificate } from "../support/client-certificate.js";
import { adminApi, newPrincipal, tokenFor, vaultRequest } from "../support/admin-api.js";
import { CLI, type DevServer, startDevServer } from "../support/dev-server.js";
import { devCredential, viaDevProxy } from "../support/sdk.js";

/** The Azure error code an admin call was refused with. */
const refusal = (call: Promise<unknown>): Promise<string | null> =>
  call.then(
    () => null,
    (e: { code?: string; message?: string }) => e.code ?? e.message ?? "unknown",
  );

/** Access control beyond the matrix: scopes, revocation, the admin API's own protection, credentials, vault settings. */
describe("access control", () => {
  let server: DevServer;
  let admin: ReturnType<typeof adminApi>;
  const keyhold = (args: string[], env: Record<string, string> = server.env) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH!, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? "", ...env },
      encoding: "utf8",
    });

  before(async () => {
    server = await startDevServer();
    admin = adminApi(server);
  });
  after(async () => {
    await server.stop();
  });

  it("a Secrets User on one secret reads that secret and no other, and lists nothing", async () => {
    const vault = server.env.KEY_VAULT_NAME!;
    const owner = new SecretClient(server.env.KEY_VAULT_URL!, devCredential(server), viaDevProxy(server));
    await owner.setSecret("scoped-one", "one");
    await owner.setSecret("scoped-two", "two");
    const reader = await newPrincipal(server, "scoped-reader");
    await admin("POST", "/keyhold/roleAssignments", {
      principalId: reader.clientId,
      role: "Key Vault Secrets User",
      scope: `/vaults/${vault}/secrets/scoped-one`,
    });
    const client = reader.secrets(vault);
    assert.equal((await client.getSecret("scoped-one")).value, "one");
    await assert.rejects(client.getSecret("scoped-two"), (e: any) => e.statusCode === 403);
    await assert.rejects(client.listPropertiesOfSecrets().byPage().next(), (e: any) => e.statusCode === 403);
    await assert.rejects(client.setSecret("scoped-one", "changed"), (e: any) => e.statusCode === 403);
    assert.equal((await owner.getSecret("scoped-one")).value, "one", "a refused request changes nothing");

    const token = await tokenFor(server, reader.clientId, reader.clientSecret);
    const listed = await vaultRequest(server, token, "GET", "/secrets");
    assert.equal(listed.status, 403);
    assert.equal(listed.body.error.code, "Forbidden");
    assert.equal(listed.body.error.innererror.code, "ForbiddenByRbac");
  });

  it("refuses a deleted principal's token, and a deleted credential's token, on their next request", async () => {
    const vault = server.env.KEY_VAULT_NAME!;
    const p = await newPrincipal(server, "revoked");
    await admin("POST", "/keyhold/roleAssignments", {
      principalId: p.clientId,
      role: "Key Vault Secrets Officer",
      scope: `/vaults/${vault}`,
    });
    const second = await admin<{ id: string; clientSecret: string }>("POST", `/keyhold/principals/${p.clientId}/credentials`, {
      type: "clientSecret",
      lifetimeSeconds: 3600,
    });
    const firstToken = await tokenFor(server, p.clientId, p.clientSecret);
    const secondToken = await tokenFor(server, p.clientId, second.clientSecret);
    assert.equal((await vaultRequest(server, secondToken, "PUT", "/secrets/revocation", { value: "v" })).status, 200);

    await admin("DELETE", `/keyhold/principals/${p.clientId}/credentials/${second.id}`);
    const afterCredential = await vaultRequest(server, secondToken, "GET", "/secrets/revocation");
    assert.equal(afterCredential.status, 401, "the removed credential's token");
    assert.equal(
      (await vaultRequest(server, firstToken, "GET", "/secrets/revocation")).status,
      200,
      "the other credential's token still works",
    );
    await assert.rejects(tokenFor(server, p.clientId, second.clientSecret), /invalid_client/, "the removed secret gets no new token");

    await admin("DELETE", `/keyhold/principals/${p.clientId}`);
    const afterPrincipal = await vaultRequest(server, firstToken, "GET", "/secrets/revocation");
    assert.equal(afterPrincipal.status, 401, "a deleted principal's unexpired token");
    assert.match(afterPrincipal.body.error.message, /deleted/);
    assert.deepEqual(await admin("GET", `/keyhold/roleAssignments?principalId=${p.clientId}`), [], "its grants went with it");
  });

  it("lets only server administrators use the admin API, so no principal can grant itself rights", async () => {
    const p = await newPrincipal(server, "no-admin");
    const token = await tokenFor(server, p.clientId, p.clientSecret);
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    const selfGrant = await call("POST", "/keyhold/roleAssignments", {
      principalId: p.clientId,
      role: "Keyhold Administrator",
      scope: "/",
    });
    assert.equal(selfGrant.status, 403);
    assert.equal((await selfGrant.json()).error.innererror.code, "ForbiddenByRbac");
    for (const [method, path] of [
      ["GET", "/keyhold/vaults"],
      ["PUT", "/keyhold/vaults/not-mine"],
      ["GET", "/keyhold/principals"],
      ["PUT", `/keyhold/vaults/${server.env.KEY_VAULT_NAME}/accessPolicies/${p.clientId}`],
    ] as const) {
      assert.equal((await call(method, path, method === "GET" ? undefined : {})).status, 403, `${method} ${path}`);
    }
    assert.deepEqual(await admin("GET", `/keyhold/roleAssignments?principalId=${p.clientId}`), [], "nothing was granted");
    const vaultRole = await admin<{ name: string }>("POST", "/keyhold/roleAssignments", {
      principalId: p.clientId,
      role: "Key Vault Administrator",
      scope: "/",
    });
    assert.equal((await call("GET", "/keyhold/vaults")).status, 403, "data-plane roles, even at '/', do not administer the server");
    await admin("DELETE", `/keyhold/roleAssignments/${vaultRole.name}`);
  });

  it("authenticates a service principal by certificate, as ClientCertificateCredential sends it", async () => {
    const p = await newPrincipal(server, "by-certificate");
    const make = makeClientCertificate;
    const registered = await make();
    const stranger = await make();
    const credential = await admin<{ id: string; type: string }>("POST", `/keyhold/principals/${p.clientId}/credentials`, {
      type: "certificate",
      certificate: registered.certPem,
    });
    assert.equal(credential.type, "certificate");
    await admin("POST", "/keyhold/roleAssignments", {
      principalId: p.clientId,
      role: "Key Vault Secrets Officer",
      scope: `/vaults/${server.env.KEY_VAULT_NAME}`,
    });

    const options = { authorityHost: server.env.AZURE_AUTHORITY_HOST! };
    const byCert = new SecretClient(
      server.env.KEY_VAULT_URL!,
      new ClientCertificateCredential("adfs", p.clientId, { certificate: registered.pem }, options),
      viaDevProxy(server),
    );
    assert.equal((await byCert.setSecret("by-certificate", "signed")).value, "signed");
    // One credential, tokens for two resources in a row: MSAL may sign a fresh assertion or reuse its cached one.
    const twoScopes = new ClientCertificateCredential("adfs", p.clientId, { certificate: registered.pem }, options);
    assert.ok((await twoScopes.getToken("https://vault.azure.net/.default")).token);
    assert.ok((await twoScopes.getToken("https://vault.localhost/.default")).token);
    const byStranger = new SecretClient(
      server.env.KEY_VAULT_URL!,
      new ClientCertificateCredential("adfs", p.clientId, { certificate: stranger.pem }, options),
      viaDevProxy(server),
    );
    await assert.rejects(byStranger.getSecret("by-certificate"), /invalid_client|AADSTS700027/);

    const bad = await refusal(
      admin("POST", `/keyhold/principals/${p.clientId}/credentials`, { type: "certificate", certificate: "not a certificate" }),
    );
    assert.equal(bad, "BadParameter");
    const weak = await refusal(
      admin("POST", `/keyhold/principals/${p.clientId}/credentials`, { type: "certificate", certificate: (await make(1024)).certPem }),
    );
    assert.equal(weak, "BadParameter", "a 1024-bit certificate credential is refused");
  });

  it("creates managed identities whose own identity header gets their own tokens", async () => {
    await new SecretClient(server.env.KEY_VAULT_URL!, devCredential(server), viaDevProxy(server)).setSecret("for-identity", "v");
    const made = await admin<{ id: string; identityHeader: string }>("POST", "/keyhold/principals", {
      displayName: "web-app",
      type: "managedIdentity",
    });
    const response = await fetch(`${server.url}/msi/token?api-version=2019-08-01&resource=https://vault.azure.net`, {
      headers: { "x-identity-header": made.identityHeader },
    });
    const token = ((await response.json()) as { access_token: string }).access_token;
    assert.equal(JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).oid, made.id);
    assert.equal((await vaultRequest(server, token, "GET", "/secrets/for-identity")).status, 403, "no grant yet");
    await admin("POST", "/keyhold/roleAssignments", {
      principalId: made.id,
      role: "Key Vault Secrets User",
      scope: `/vaults/${server.env.KEY_VAULT_NAME}`,
    });
    assert.equal((await vaultRequest(server, token, "GET", "/secrets/for-identity")).status, 200);
    await admin("DELETE", `/keyhold/principals/${made.id}`);
    assert.equal((await vaultRequest(server, token, "GET", "/secrets/for-identity")).status, 401);
  });

  it("keeps Azure's vault settings: the creator's rights, one permission model at a time, purge protection for good", async () => {
    await admin("PUT", "/keyhold/vaults/settings-vault", { enableRbacAuthorization: false, softDeleteRetentionInDays: 7 });
    const shown = await admin<any>("GET", "/keyhold/vaults/settings-vault");
    assert.equal(shown.properties.enableRbacAuthorization, false);
    assert.deepEqual(
      shown.properties.accessPolicies.map((p: any) => p.objectId),
      [server.env.AZURE_CLIENT_ID!.toLowerCase()],
      "the creator's full access policy",
    );
    const owner = new SecretClient("https://settings-vault.vault.azure.net", devCredential(server), viaDevProxy(server));
    await owner.setSecret("s", "v");

    await admin("PATCH", "/keyhold/vaults/settings-vault", { enableRbacAuthorization: true });
    await assert.rejects(
      owner.getSecret("s"),
      (e: any) => e.statusCode === 403,
      "policies do not count in RBAC mode (no role on this vault)",
    );
    await admin("PATCH", "/keyhold/vaults/settings-vault", { enableRbacAuthorization: false });
    assert.equal((await owner.getSecret("s")).value, "v");

    await admin("PATCH", "/keyhold/vaults/settings-vault", { enablePurgeProtection: true });
    assert.equal(await refusal(admin("PATCH", "/keyhold/vaults/settings-vault", { enablePurgeProtection: false })), "BadParameter");
    assert.equal((await admin<any>("GET", "/keyhold/vaults/settings-vault")).properties.enablePurgeProtection, true);
    await (await owner.beginDeleteSecret("s")).pollUntilDone();
    await assert.rejects(owner.purgeDeletedSecret("s"), (e: any) => e.statusCode === 403, "nothing purgeable before retention ends");
    assert.equal(await refusal(admin("PUT", "/keyhold/vaults/short-vault", { softDeleteRetentionInDays: 6 })), "BadParameter");
  });

  it("does all of it from the CLI, and a new principal works with an unmodified DefaultAzureCredential", async () => {
    const created = keyhold(["principal", "create", "--name", "cli-made"]);
    assert.equal(created.status, 0, created.stderr);
    const sp = JSON.parse(created.stdout) as { clientId: string; clientSecret: string; tenantId: string };
    assert.equal(sp.tenantId, "adfs");
    const vault = server.env.KEY_VAULT_NAME!;
    const policyVault = keyhold(["vault", "create", "--name", "cli-policies", "--enable-rbac-authorization", "false"]);
    assert.equal(policyVault.status, 0, policyVault.stderr);
    const set = keyhold(["policy", "set", "--vault-name", "cli-policies", "--spn", sp.clientId, "--secret-permissions", "get", "set"]);
    assert.equal(set.status, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout).permissions.secrets, ["get", "set"]);
    const assigned = keyhold([
      "role",
      "assignment",
      "create",
      "--role",
      "Key Vault Secrets User",
      "--assignee",
      sp.clientId,
      "--scope",
      `/vaults/${vault}`,
    ]);
    assert.equal(assigned.status, 0, assigned.stderr);
    assert.equal(JSON.parse(assigned.stdout).roleDefinitionName, "Key Vault Secrets User");

    // The environment DefaultAzureCredential reads, as the issue's `az ad sp create-for-rbac` analogue prints it.
    const saved = { ...process.env };
    Object.assign(process.env, {
      AZURE_CLIENT_ID: sp.clientId,
      AZURE_CLIENT_SECRET: sp.clientSecret,
      AZURE_TENANT_ID: sp.tenantId,
      AZURE_AUTHORITY_HOST: server.env.AZURE_AUTHORITY_HOST,
    });
    try {
      const credential = new DefaultAzureCredential();
      const policyClient = new SecretClient("https://cli-policies.vault.azure.net", credential, viaDevProxy(server));
      await policyClient.setSecret("from-cli-principal", "v");
      assert.equal((await policyClient.getSecret("from-cli-principal")).value, "v");
      const rbacClient = new SecretClient(`https://${vault}.vault.azure.net`, credential, viaDevProxy(server));
      await assert.rejects(
        rbacClient.getSecret("nothing-here"),
        (e: any) => e.statusCode === 404,
        "past authorization: Secrets User on the vault",
      );
    } finally {
      process.env = saved;
    }

    const refused = keyhold(["role", "assignment", "create", "--role", "No Such Role", "--assignee", sp.clientId, "--scope", "/"]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^ERROR: \(RoleDefinitionDoesNotExist\)/);
    const badScope = keyhold([
      "role",
      "assignment",
      "create",
      "--role",
      "Key Vault Reader",
      "--assignee",
      sp.clientId,
      "--scope",
      "/subscriptions/x",
    ]);
    assert.match(badScope.stderr, /^ERROR: \(BadParameter\)/);
    assert.equal(keyhold(["principal", "delete", "--id", sp.clientId]).status, 0);
    assert.match(keyhold(["principal", "show", "--id", sp.clientId]).stderr, /\(PrincipalNotFound\)/);
  });
});
