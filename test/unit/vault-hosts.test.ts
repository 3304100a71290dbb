import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VaultHosts } from "../../src/server/vault-hosts.js";

describe("vaults by host name", () => {
  const hosts = new VaultHosts(["vault.azure.net", "vault.localhost"], "default-vault");

  it("reads the vault name from NAME.<domain> and answers with that domain's resource", () => {
    assert.deepEqual(hosts.resolve("myvault.vault.azure.net"), { vaultName: "myvault", resource: "https://vault.azure.net" });
    assert.deepEqual(hosts.resolve("MyVault.Vault.Localhost."), { vaultName: "myvault", resource: "https://vault.localhost" });
  });

  it("sends localhost and IP addresses to the default vault", () => {
    for (const host of ["localhost", "127.0.0.1", "[::1]", "::1"]) {
      assert.equal(hosts.resolve(host)?.vaultName, "default-vault", host);
    }
    assert.equal(new VaultHosts(["vault.azure.net"], null).resolve("localhost"), null);
  });

  it("refuses other hosts, nested names and the bare domain", () => {
    for (const host of ["example.com", "a.b.vault.azure.net", "vault.azure.net", "evilvault.azure.net", ".vault.azure.net"]) {
      assert.equal(hosts.resolve(host), null, host);
    }
  });

  it("tunnels only its own names", () => {
    assert.ok(hosts.serves("x.vault.azure.net"));
    assert.ok(hosts.serves("localhost"));
    assert.ok(!hosts.serves("registry.npmjs.org"));
  });
});
