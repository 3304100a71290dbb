import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { masterKeyId } from "../../src/crypto/envelope.js";
import { hotp, totpStep } from "../../src/identity/totp.js";
import { createContext } from "../../src/server/create-context.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { secretOfUri } from "../support/totp-secret.js";

const config = (masterKey: Buffer, previousMasterKeys: Buffer[] = []) => ({
  mode: "dev" as const,
  masterKey,
  previousMasterKeys,
  vaultDomains: ["vault.azure.net"],
  defaultVault: "test-vault",
  authorityUrl: "https://localhost:8443",
  vaultUriTemplate: "https://{name}.vault.azure.net",
  tokenLifetimeSeconds: 3600,
  logLevel: "silent" as const,
});

/** The MFA key is sealed under the master key: a rotation re-wraps it, and enrolled users' codes keep working. */
describe("TOTP across a master key rotation", () => {
  it("re-wraps the MFA key; with the new master key alone, codes of secrets enrolled before are accepted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyhold-totp-rotation-"));
    const file = join(dir, "keyhold.db");
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    let store = SqliteStore.open(file);
    try {
      const before = await createContext(store, config(oldKey));
      const user = await before.principals.createUser({ userName: "dave@example.org", password: "a long enough password" });
      const secret = secretOfUri(await before.signIn.mfa.enableTotp(user.id));
      const step = totpStep(Math.floor(Date.now() / 1000));
      assert.equal(await before.signIn.mfa.verifyTotp(user.id, hotp(secret, step), "192.0.2.1"), true);
      assert.equal((await store.getMeta("mfa-key"))!.toString("hex", 1, 9), masterKeyId(oldKey));

      const rotating = await createContext(store, config(newKey, [oldKey]));
      const { finished } = await rotating.masterKeyRotation.start();
      await finished;
      assert.equal((await rotating.masterKeyRotation.progress()).unreadable, 0);
      assert.equal((await store.getMeta("mfa-key"))!.toString("hex", 1, 9), masterKeyId(newKey), "the MFA key names the new key");
      await store.close();

      store = SqliteStore.open(file);
      const after = await createContext(store, config(newKey));
      assert.equal(await after.signIn.mfa.verifyTotp(user.id, hotp(secret, step + 1), "192.0.2.1"), true);
      assert.equal(await after.signIn.mfa.verifyTotp(user.id, hotp(secret, step), "192.0.2.1"), false, "still spent");
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
