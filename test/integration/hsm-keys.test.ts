import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import { type TestApp, VAULT_HOST, createTestApp } from "../support/test-app.js";

const STANDARD_VAULT_REFUSAL = "Hardware key operation not allowed on standard vault";
const HSM_CREATE_BODIES = [{ kty: "RSA-HSM" }, { kty: "EC-HSM", crv: "P-256" }, { kty: "oct-HSM", key_size: 256 }];

function call(t: TestApp, method: "POST" | "PUT" | "DELETE", path: string, body?: unknown) {
  return t.app.inject({
    method,
    url: `${path}?api-version=2025-07-01`,
    headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, "content-type": "application/json" },
    ...(body !== undefined && { payload: JSON.stringify(body) }),
  });
}

const importHsmOct = (t: TestApp, name: string) =>
  call(t, "PUT", `/keys/${name}`, { key: { kty: "oct", k: Buffer.alloc(32, 7).toString("base64url") }, Hsm: true });

/** The test app's vault is standard (the default); these tests make it premium where they need -HSM keys. */
const makePremium = (t: TestApp) => t.ctx.vaults.update("test-vault", { sku: "premium" });

/**
 * -HSM key types promise hardware protection: standard vaults refuse them as Azure's do; in premium vaults dev
 * mode keeps them in software and production refuses them without an HSM backend.
 */
describe("HSM key types", () => {
  for (const mode of ["production", "dev"] as const) {
    it(`are refused in a standard vault in ${mode} mode, with Azure's answer`, async () => {
      const t = await createTestApp(mode);
      try {
        for (const body of HSM_CREATE_BODIES) {
          const res = await call(t, "POST", "/keys/hsm-key/create", body);
          assert.equal(res.statusCode, 400, res.body);
          assert.deepEqual(res.json().error, { code: "Forbidden", message: STANDARD_VAULT_REFUSAL });
        }
        const imported = await importHsmOct(t, "hsm-import");
        assert.equal(imported.statusCode, 400, imported.body);
        assert.equal(imported.json().error.message, STANDARD_VAULT_REFUSAL);
        assert.equal((await call(t, "POST", "/keys/soft-key/create", { kty: "RSA" })).statusCode, 200, "software keys are fine");
      } finally {
        await t.close();
      }
    });
  }

  for (const [mode, expected] of [
    ["production", 400],
    ["dev", 200],
  ] as const) {
    it(`are ${expected === 400 ? "refused" : "kept in software"} in a premium vault in ${mode} mode`, async () => {
      const t = await createTestApp(mode);
      try {
        await makePremium(t);
        for (const body of HSM_CREATE_BODIES) {
          const res = await call(t, "POST", "/keys/hsm-key/create", body);
          assert.equal(res.statusCode, expected, res.body);
          if (expected === 400) assert.match(res.json().error.message, /no HSM backend/);
          else assert.equal(res.json().key.kty, body.kty);
        }
        assert.equal((await importHsmOct(t, "hsm-import")).statusCode, expected);
      } finally {
        await t.close();
      }
    });
  }

  it("are refused on restore into a standard vault, and restored into a premium one", async () => {
    const t = await createTestApp("dev");
    try {
      await makePremium(t);
      assert.equal((await call(t, "POST", "/keys/hsm-key/create", { kty: "EC-HSM", crv: "P-256" })).statusCode, 200);
      const backup = (await call(t, "POST", "/keys/hsm-key/backup")).json().value as string;
      assert.equal((await call(t, "DELETE", "/keys/hsm-key")).statusCode, 200);
      assert.equal((await call(t, "DELETE", "/deletedkeys/hsm-key")).statusCode, 204);
      await t.ctx.vaults.update("test-vault", { sku: "standard" });

      const refused = await call(t, "POST", "/keys/restore", { value: backup });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(refused.json().error.message, STANDARD_VAULT_REFUSAL);
      assert.equal((await call(t, "POST", "/keys/hsm-key/create", { kty: "RSA" })).statusCode, 200, "nothing of the backup was written");
      assert.equal((await call(t, "DELETE", "/keys/hsm-key")).statusCode, 200);
      assert.equal((await call(t, "DELETE", "/deletedkeys/hsm-key")).statusCode, 204);

      await makePremium(t);
      const restored = await call(t, "POST", "/keys/restore", { value: backup });
      assert.equal(restored.statusCode, 200, restored.body);
      assert.equal(restored.json().key.kty, "EC-HSM");
    } finally {
      await t.close();
    }
  });

  it("keep a vault premium while any version is -HSM, soft-deleted ones included", async () => {
    const t = await createTestApp("dev");
    const downgrade = () => t.ctx.vaults.update("test-vault", { sku: "standard" });
    try {
      await makePremium(t);
      assert.equal((await call(t, "POST", "/keys/mixed/create", { kty: "RSA-HSM" })).statusCode, 200);
      assert.equal((await call(t, "POST", "/keys/mixed/create", { kty: "RSA" })).statusCode, 200, "a software version on top");
      await assert.rejects(
        downgrade(),
        (e: unknown) => e instanceof KeyVaultError && e.status === 400 && e.code === "BadParameter" && /HSM-protected keys/.test(e.message),
      );
      assert.equal((await call(t, "DELETE", "/keys/mixed")).statusCode, 200);
      await assert.rejects(downgrade(), /soft-deleted ones included/);
      assert.equal((await t.ctx.vaults.get("test-vault")).sku, "premium");
      assert.equal((await call(t, "DELETE", "/deletedkeys/mixed")).statusCode, 204);
      assert.equal((await downgrade()).sku, "standard", "allowed once the -HSM key is purged");
    } finally {
      await t.close();
    }
  });

  it("are not rotated in a vault that became standard (a store from before vault tiers)", async () => {
    const t = await createTestApp("dev");
    try {
      await makePremium(t);
      assert.equal((await call(t, "POST", "/keys/hsm-key/create", { kty: "RSA-HSM" })).statusCode, 200);
      assert.equal((await call(t, "POST", "/keys/soft-key/create", { kty: "RSA" })).statusCode, 200);
      // As an older store's vault with -HSM keys is after migration: standard, which the admin API never allows.
      await t.store.updateVault("test-vault", { sku: "standard" });
      const rotated = await call(t, "POST", "/keys/hsm-key/rotate");
      assert.equal(rotated.statusCode, 400, rotated.body);
      assert.equal(rotated.json().error.message, STANDARD_VAULT_REFUSAL);
      assert.equal((await call(t, "POST", "/keys/soft-key/rotate")).statusCode, 200);

      // Due at once: written to the store directly, since Azure's rules want at least 7 days after creation.
      const due = JSON.stringify({
        lifetimeActions: [{ trigger: { timeAfterCreate: "P0D" }, action: "Rotate" }],
        expiryTime: null,
        created: 0,
        updated: 0,
      });
      for (const name of ["hsm-key", "soft-key"]) await t.store.setObjectPolicy("test-vault", "key", name, due);
      const failed: string[] = [];
      const done = await t.ctx.keys.rotateDueKeys(
        (n) => t.ctx.vaults.find(n),
        (key, error) => {
          assert.equal((error as KeyVaultError).message, STANDARD_VAULT_REFUSAL);
          failed.push(key);
        },
      );
      assert.deepEqual(done, ["test-vault/soft-key"]);
      assert.deepEqual(failed, ["test-vault/hsm-key"]);
    } finally {
      await t.close();
    }
  });
});
