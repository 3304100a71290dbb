import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { ClientSecretCredential, DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { viaDevProxy } from "../support/sdk.js";

const IDENTITY_VARS = [
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
  "AZURE_AUTHORITY_HOST",
  "IDENTITY_ENDPOINT",
  "IDENTITY_HEADER",
];

function challengeTenant(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(`${url}/secrets?api-version=2025-07-01`, (res) => {
      res.resume();
      const match = /authorization="https:\/\/[^/]+\/([^"]+)"/.exec(String(res.headers["www-authenticate"]));
      if (match) resolve(match[1]!);
      else reject(new Error("no challenge"));
    })
      .on("error", reject)
      .end();
  });
}

/** Both credential paths of DefaultAzureCredential, and a tenant id with disableInstanceDiscovery. */
describe("identity with the official @azure/identity", () => {
  let server: DevServer;
  const saved: Record<string, string | undefined> = {};
  const vaultClient = (credential: ConstructorParameters<typeof SecretClient>[1]) =>
    new SecretClient(server.env.KEY_VAULT_URL!, credential, viaDevProxy(server));

  before(async () => {
    server = await startDevServer();
    for (const name of IDENTITY_VARS) saved[name] = process.env[name];
  });
  after(async () => {
    for (const name of IDENTITY_VARS) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await server.stop();
  });

  it("DefaultAzureCredential with the managed identity env (dev-mi.env)", async () => {
    for (const name of IDENTITY_VARS) delete process.env[name];
    process.env.IDENTITY_ENDPOINT = server.miEnv.IDENTITY_ENDPOINT;
    process.env.IDENTITY_HEADER = server.miEnv.IDENTITY_HEADER;
    assert.equal(server.miEnv.AZURE_CLIENT_SECRET, undefined, "dev-mi.env holds no client secret");
    const client = vaultClient(new DefaultAzureCredential());
    await client.setSecret("from-mi", "managed");
    assert.equal((await client.getSecret("from-mi")).value, "managed");
  });

  it("refuses a wrong identity header (msal caches managed identity tokens per process, so ask the endpoint itself)", async () => {
    const status = (header: string) =>
      new Promise<number>((resolve, reject) => {
        const url = `${server.miEnv.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=${encodeURIComponent("https://vault.azure.net")}`;
        request(url, { headers: { "x-identity-header": header } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on("error", reject)
          .end();
      });
    assert.equal(await status(server.miEnv.IDENTITY_HEADER!), 200);
    assert.equal(await status(`${server.miEnv.IDENTITY_HEADER}x`), 401);
    assert.equal(
      await status(`${server.env.AZURE_CLIENT_ID}.${server.env.AZURE_CLIENT_SECRET}`),
      401,
      "a client secret is no identity header",
    );
  });

  it("ClientSecretCredential with the server's tenant id and disableInstanceDiscovery", async () => {
    const tenant = await challengeTenant(server.url);
    assert.match(tenant, /^[0-9a-f-]{36}$/);
    const credential = new ClientSecretCredential(tenant, server.env.AZURE_CLIENT_ID!, server.env.AZURE_CLIENT_SECRET!, {
      authorityHost: server.env.AZURE_AUTHORITY_HOST!,
      disableInstanceDiscovery: true,
    });
    const client = vaultClient(credential);
    await client.setSecret("from-tenant", "tenant-id");
    assert.equal((await client.getSecret("from-tenant")).value, "tenant-id");
  });

  it("refuses a wrong client secret", async () => {
    const credential = new ClientSecretCredential("adfs", server.env.AZURE_CLIENT_ID!, "wrong-secret", {
      authorityHost: server.env.AZURE_AUTHORITY_HOST!,
    });
    await assert.rejects(vaultClient(credential).getSecret("from-tenant"), /invalid_client|AADSTS7000215/);
  });
});
