import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KeyClient } from "@azure/keyvault-keys";
import Database from "better-sqlite3";
import { adminApi } from "../support/admin-api.js";
import { keyholdJson, runKeyhold } from "../support/cli.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { devCredential, viaDevProxy } from "../support/sdk.js";

const STANDARD_VAULT_REFUSAL = "Hardware key operation not allowed on standard vault";

/** Vault tiers as Azure has them: standard vaults refuse -HSM key types, premium ones (keyhold-dev among them) take them. */
describe("vault tiers (SKUs) against a live server", () => {
  let server: DevServer;
  before(async () => {
    server = await startDevServer();
  });
  after(async () => {
    await server.stop();
  });

  const keyhold = (args: string[]) => runKeyhold(server.env, args);
  const ok = (args: string[]): any => keyholdJson(server.env, args);
  const skuOf = (name: string): unknown => ok(["vault", "show", "--name", name]).properties.sku;
  const keysIn = (vault: string) => new KeyClient(`https://${vault}.vault.azure.net`, devCredential(server), viaDevProxy(server));
  const refusedAsStandard = (e: { statusCode?: number; code?: string; message?: string }) =>
    e.statusCode === 400 && e.code === "Forbidden" && e.message === STANDARD_VAULT_REFUSAL;

  it("makes vaults standard by default, and a standard vault refuses RSA-HSM and EC-HSM through the SDK", async () => {
    const created = ok(["vault", "create", "--name", "tier-standard"]);
    assert.deepEqual(created.properties.sku, { family: "A", name: "standard" });
    const client = keysIn("tier-standard");
    await assert.rejects(client.createRsaKey("rsa-hsm", { hsm: true }), refusedAsStandard);
    await assert.rejects(client.createEcKey("ec-hsm", { curve: "P-256", hsm: true }), refusedAsStandard);
    await assert.rejects(client.createKey("rsa-hsm", "RSA-HSM"), refusedAsStandard);
    assert.equal((await client.createRsaKey("rsa-soft")).keyType, "RSA", "software keys are fine");
  });

  it("creates a premium vault with --sku premium, shows it, and it takes RSA-HSM and EC-HSM in dev mode", async () => {
    const created = ok(["vault", "create", "--name", "tier-premium", "--sku", "premium"]);
    assert.deepEqual(created.properties.sku, { family: "A", name: "premium" });
    assert.deepEqual(skuOf("tier-premium"), { family: "A", name: "premium" });
    const listed = ok(["vault", "list"]) as { name: string; properties: { sku: { name: string } } }[];
    assert.equal(listed.find((v) => v.name === "tier-premium")?.properties.sku.name, "premium");

    const client = keysIn("tier-premium");
    assert.equal((await client.createRsaKey("rsa-hsm", { hsm: true })).keyType, "RSA-HSM");
    assert.equal((await client.createEcKey("ec-hsm", { curve: "P-384", hsm: true })).keyType, "EC-HSM");
  });

  it("refuses a SKU that is neither standard nor premium, in one line", () => {
    for (const args of [
      ["vault", "create", "--name", "tier-gold", "--sku", "gold"],
      ["vault", "update", "--name", "keyhold-dev", "--sku", "gold"],
    ]) {
      const r = keyhold(args);
      assert.equal(r.status, 1, `keyhold ${args.join(" ")} should fail`);
      assert.match(r.stderr, /^ERROR: \(BadArgument\) .*'gold' is invalid.*standard, premium/);
      assert.equal(r.stderr.trim().split("\n").length, 1, "one line");
    }
    assert.equal(keyhold(["vault", "show", "--name", "tier-gold"]).status, 1, "nothing was made");
  });

  it("takes the SKU on the admin API as a name or as ARM's {family, name}, and refuses others with 400 BadParameter", async () => {
    const admin = adminApi(server);
    assert.deepEqual((await admin("PUT", "/keyhold/vaults/tier-arm", { sku: { family: "A", name: "premium" } })).properties.sku, {
      family: "A",
      name: "premium",
    });
    assert.deepEqual((await admin("PATCH", "/keyhold/vaults/tier-arm", { sku: "standard" })).properties.sku, {
      family: "A",
      name: "standard",
    });
    for (const sku of ["gold", { name: "gold" }, { family: "B", name: "premium" }, 7]) {
      await assert.rejects(
        admin("PUT", "/keyhold/vaults/tier-bad", { sku }),
        (e: { code?: string; statusCode?: number }) => e.code === "BadParameter" && e.statusCode === 400,
      );
      await assert.rejects(
        admin("PATCH", "/keyhold/vaults/tier-arm", { sku }),
        (e: { code?: string; statusCode?: number }) => e.code === "BadParameter" && e.statusCode === 400,
      );
    }
    assert.equal((await admin("GET", "/keyhold/vaults/tier-arm")).properties.sku.name, "standard");
  });

  it("makes keyhold-dev premium", async () => {
    assert.deepEqual(skuOf("keyhold-dev"), { family: "A", name: "premium" });
    assert.equal((await keysIn("keyhold-dev").createRsaKey("dev-rsa-hsm", { hsm: true })).keyType, "RSA-HSM");
  });

  it("changes the tier with vault update, refusing premium → standard while an -HSM key exists, soft-deleted or not", async () => {
    ok(["vault", "create", "--name", "tier-change", "--sku", "premium"]);
    const client = keysIn("tier-change");
    await client.createEcKey("hsm-key", { hsm: true });
    const refused = keyhold(["vault", "update", "--name", "tier-change", "--sku", "standard"]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^ERROR: \(BadParameter\) The vault 'tier-change' holds HSM-protected keys/);
    await (await client.beginDeleteKey("hsm-key", { intervalInMs: 20 })).pollUntilDone();
    assert.equal(
      keyhold(["vault", "update", "--name", "tier-change", "--sku", "standard"]).status,
      1,
      "a soft-deleted -HSM key still counts",
    );
    assert.deepEqual(skuOf("tier-change"), { family: "A", name: "premium" });

    await client.purgeDeletedKey("hsm-key");
    assert.equal(ok(["vault", "update", "--name", "tier-change", "--sku", "standard"]).properties.sku.name, "standard");
    await assert.rejects(client.createEcKey("hsm-again", { hsm: true }), refusedAsStandard);
    assert.equal(ok(["vault", "update", "--name", "tier-change", "--sku", "premium"]).properties.sku.name, "premium");
    assert.equal((await client.createEcKey("hsm-again", { hsm: true })).keyType, "EC-HSM");
  });

  it("upgrades keyhold-dev of an older data directory at start; --vault and seeded vaults are standard unless the seed says premium", async () => {
    ok(["vault", "create", "--name", "seed-upgrade"]);
    await server.stop();
    // As a data directory made before vault tiers is after migration: every vault standard.
    const db = new Database(join(server.dir, "keyhold.db"));
    db.prepare("UPDATE vaults SET sku = 'standard'").run();
    db.close();
    const seed = join(server.dir, "tiers-seed.yaml");
    writeFileSync(
      seed,
      [
        "vaults:",
        "  - name: seed-premium",
        "    sku: premium",
        "    keys:",
        "      signer: { kty: EC-HSM, crv: P-256 }",
        "  - name: seed-standard",
        "  - name: seed-upgrade",
        "    sku: premium",
        "",
      ].join("\n"),
    );
    server = await startDevServer(server.dir, ["--vault", "extra-vault", "--seed", seed]);

    assert.equal((skuOf("keyhold-dev") as { name: string }).name, "premium");
    assert.equal((skuOf("extra-vault") as { name: string }).name, "standard");
    assert.equal((skuOf("seed-standard") as { name: string }).name, "standard");
    assert.equal((skuOf("seed-premium") as { name: string }).name, "premium");
    assert.equal((skuOf("seed-upgrade") as { name: string }).name, "premium", "an existing vault the seed calls premium");
    assert.equal((await keysIn("seed-premium").getKey("signer")).keyType, "EC-HSM");
  });
});
