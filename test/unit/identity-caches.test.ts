import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Envelope } from "../../src/crypto/envelope.js";
import { PrincipalService } from "../../src/identity/principal-service.js";
import { loadSigningKey } from "../../src/identity/signing-key.js";
import { TokenIssuer } from "../../src/identity/token-issuer.js";
import { InvalidTokenError, TokenVerifier } from "../../src/identity/token-verifier.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";

/** The hot-path caches must never accept what a full check would refuse. */
describe("identity caches", () => {
  let dir: string;
  let store: SqliteStore;
  let clock = 1_800_000_000;
  const now = () => clock;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "keyhold-caches-"));
    store = SqliteStore.open(join(dir, "k.db"));
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a cached token once it expires, and a token one byte off", async () => {
    const key = await loadSigningKey(store, new Envelope(randomBytes(32)));
    const options = { issuer: "https://issuer/t/v2.0", tenantId: "t", now };
    const issuer = new TokenIssuer(key, { ...options, lifetimeSeconds: 600 });
    const verifier = new TokenVerifier(key, {
      ...options,
      acceptIssuer: (iss) => iss === options.issuer,
      audiences: ["https://vault.azure.net"],
      leewaySeconds: 60,
    });
    const principals = new PrincipalService(store, now);
    const { principal, credentialId } = await principals.createServicePrincipal("cached");
    const { accessToken } = await issuer.issue(principal, credentialId, "https://vault.azure.net");
    assert.equal((await verifier.verify(accessToken)).principalId, principal.id);
    assert.equal((await verifier.verify(accessToken)).kind, "servicePrincipal", "the token says the principal's kind");
    assert.equal((await verifier.verify(accessToken)).principalId, principal.id, "served from the cache");
    const altered = accessToken.slice(0, -2) + (accessToken.endsWith("A") ? "BB" : "AA");
    await assert.rejects(verifier.verify(altered), InvalidTokenError);
    clock += 600 + 61;
    await assert.rejects(verifier.verify(accessToken), InvalidTokenError, "expired past the leeway, cached or not");
    clock -= 600 + 61;
    const identity = await principals.createManagedIdentity("an app's identity");
    const fromIdentity = await issuer.issue(identity.principal, identity.credentialId, "https://vault.azure.net");
    assert.equal((await verifier.verify(fromIdentity.accessToken)).kind, "managedIdentity");
  });

  it("remembers a correct client secret, never a wrong one, and forgets after five minutes", async () => {
    const principals = new PrincipalService(store, now);
    const { principal, clientSecret } = await principals.createServicePrincipal("remembered");
    assert.equal((await principals.authenticateClient(principal.id, clientSecret))?.principal.id, principal.id);
    const checks = principals.hashChecks;
    assert.equal((await principals.authenticateClient(principal.id, clientSecret))?.principal.id, principal.id);
    assert.equal(principals.hashChecks, checks, "the second check skips scrypt");
    assert.equal(await principals.authenticateClient(principal.id, `${clientSecret}x`), null);
    assert.equal(await principals.authenticateClient(principal.id.toUpperCase(), "wrong"), null);
    clock += 301;
    await store.transaction(async (tx) => {
      await tx.deletePrincipal(principal.id);
    });
    assert.equal(await principals.authenticateClient(principal.id, clientSecret), null, "after the cache entry ends, the store decides");
    clock -= 301;
  });

  it("stops accepting a remembered secret at once when it is removed (rotation) or expires", async () => {
    const principals = new PrincipalService(store, now);
    const { principal, clientSecret: old, credentialId: oldId } = await principals.createServicePrincipal("rotated");
    const { secret: expiring } = await principals.addClientSecret(principal.id, 100);
    for (const secret of [old, expiring])
      assert.equal((await principals.authenticateClient(principal.id, secret))?.principal.id, principal.id);
    const checks = principals.hashChecks;
    assert.equal((await principals.authenticateClient(principal.id, old))?.credentialId, oldId, "remembered");
    assert.equal(principals.hashChecks, checks, "no hash for a remembered secret");
    await principals.removeCredential(principal.id, oldId);
    assert.equal(await principals.authenticateClient(principal.id, old), null, "removed: refused within the five minutes");
    clock += 101;
    try {
      assert.equal(await principals.authenticateClient(principal.id, expiring), null, "expired: refused though remembered a moment ago");
    } finally {
      clock -= 101;
    }
  });
});
