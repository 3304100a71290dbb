import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CryptographyClient, KeyClient, KeyVaultKey } from "@azure/keyvault-keys";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { bytes, fetchAs, keyClientFor } from "../support/keys-sdk.js";

const fast = { intervalInMs: 20 };
const PRIVATE_PARTS = ["d", "p", "q", "dp", "dq", "qi", "k"] as const;

function assertNoPrivateParts(key: KeyVaultKey): void {
  for (const part of PRIVATE_PARTS)
    assert.equal((key.key as Record<string, unknown>)[part], undefined, `${part} must never leave the server`);
}

/** Every KeyClient management method, through the official package, against a live `keyhold dev`. */
describe("KeyClient key management against a live server", () => {
  let server: DevServer;
  let client: KeyClient;
  let crypto: (key: KeyVaultKey | string) => CryptographyClient;

  before(async () => {
    server = await startDevServer();
    ({ client, crypto } = keyClientFor(server));
  });
  after(async () => {
    await server.stop();
  });

  for (const size of [2048, 3072, 4096]) {
    it(`creates RSA ${size} keys, and RSA-HSM in dev mode`, async () => {
      const key = await client.createRsaKey(`rsa-${size}`, { keySize: size });
      assert.equal(key.keyType, "RSA");
      assert.equal(bytes(key.key?.n).length * 8, size);
      assert.deepEqual(bytes(key.key?.e), Buffer.from([1, 0, 1]));
      assert.deepEqual(key.keyOperations?.sort(), ["decrypt", "encrypt", "sign", "unwrapKey", "verify", "wrapKey"]);
      assertNoPrivateParts(key);
      if (size === 2048) {
        const hsm = await client.createRsaKey("rsa-hsm", { keySize: size, hsm: true });
        assert.equal(hsm.keyType, "RSA-HSM");
      }
    });
  }

  for (const curve of ["P-256", "P-256K", "P-384", "P-521"] as const) {
    it(`creates EC ${curve} keys`, async () => {
      const key = await client.createEcKey(`ec-${curve}`, { curve, hsm: curve === "P-384" });
      assert.equal(key.keyType, curve === "P-384" ? "EC-HSM" : "EC");
      assert.equal(key.key?.crv, curve);
      assert.ok(bytes(key.key?.x).length >= 32);
      assert.deepEqual(key.keyOperations?.sort(), ["sign", "verify"]);
      assertNoPrivateParts(key);
    });
  }

  for (const size of [128, 192, 256]) {
    it(`creates oct ${size} keys, never returning k`, async () => {
      const key = await client.createOctKey(`oct-${size}`, { keySize: size, hsm: size === 256 });
      assert.equal(key.keyType, size === 256 ? "oct-HSM" : "oct");
      assertNoPrivateParts(key);
    });
  }

  it("creates with key_ops, tags, enabled, nbf/exp and a public exponent", async () => {
    const notBefore = new Date(Math.floor(Date.now() / 1000 - 60) * 1000);
    const expiresOn = new Date(Math.floor(Date.now() / 1000 + 86_400) * 1000);
    const key = await client.createRsaKey("custom", {
      keyOps: ["sign", "verify"],
      tags: { team: "a" },
      enabled: false,
      notBefore,
      expiresOn,
    });
    assert.deepEqual(key.keyOperations, ["sign", "verify"]);
    assert.deepEqual(key.properties.tags, { team: "a" });
    assert.equal(key.properties.enabled, false);
    assert.equal(key.properties.notBefore?.getTime(), notBefore.getTime());
    assert.equal(key.properties.expiresOn?.getTime(), expiresOn.getTime());
    // The SDK never sends public_exponent (createRsaKey drops it), so ask the REST API directly.
    const raw = await fetchAs(server, "POST", "/keys/exponent-3/create", { kty: "RSA", key_size: 2048, public_exponent: 3 });
    assert.equal(raw.status, 200, JSON.stringify(raw.body));
    assert.equal(raw.body.key.e, Buffer.from([3]).toString("base64url"));
    const even = await fetchAs(server, "POST", "/keys/exponent-4/create", { kty: "RSA", public_exponent: 4 });
    assert.equal(even.status, 400);
  });

  it("refuses bad sizes, curves and types with 400", async () => {
    await assert.rejects(client.createRsaKey("bad", { keySize: 1024 }), (e: { statusCode?: number }) => e.statusCode === 400);
    await assert.rejects(client.createOctKey("bad", { keySize: 512 }), (e: { statusCode?: number }) => e.statusCode === 400);
    await assert.rejects(client.createKey("bad", "EC", { curve: "P-999" }), (e: { statusCode?: number }) => e.statusCode === 400);
    await assert.rejects(client.createKey("bad", "XYZ"), (e: { statusCode?: number }) => e.statusCode === 400);
    await assert.rejects(
      client.getKey("bad"),
      (e: { statusCode?: number; code?: string }) => e.statusCode === 404 && e.code === "KeyNotFound",
    );
  });

  it("imports RSA, EC and oct keys as JWKs, and refuses public-only keys", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
    const part = (v: string | undefined) => Buffer.from(v!, "base64url");
    const imported = await client.importKey("imported-rsa", {
      kty: "RSA",
      n: part(rsa.n),
      e: part(rsa.e),
      d: part(rsa.d),
      p: part(rsa.p),
      q: part(rsa.q),
      dp: part(rsa.dp),
      dq: part(rsa.dq),
      qi: part(rsa.qi),
    });
    assert.equal(Buffer.from(imported.key!.n!).toString("base64url"), rsa.n);
    assertNoPrivateParts(imported);

    const ec = generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey.export({ format: "jwk" });
    const importedEc = await client.importKey(
      "imported-ec",
      {
        kty: "EC",
        crv: "P-256K",
        x: Buffer.from(ec.x!, "base64url"),
        y: Buffer.from(ec.y!, "base64url"),
        d: Buffer.from(ec.d!, "base64url"),
      },
      { hardwareProtected: true },
    );
    assert.equal(importedEc.keyType, "EC-HSM");
    assert.equal(Buffer.from(importedEc.key!.x!).toString("base64url"), ec.x);

    const oct = await client.importKey("imported-oct", { kty: "oct", k: randomBytes(32), keyOps: ["encrypt", "decrypt"] });
    assert.equal(oct.keyType, "oct");
    assert.deepEqual(oct.keyOperations, ["encrypt", "decrypt"]);
    assertNoPrivateParts(oct);

    await assert.rejects(
      client.importKey("public-only", { kty: "RSA", n: Buffer.from(rsa.n!, "base64url"), e: Buffer.from(rsa.e!, "base64url") }),
      (e: { statusCode?: number }) => e.statusCode === 400,
    );
  });

  it("gets latest and by version, lists keys and versions in pages, and updates properties", async () => {
    const v1 = await client.createEcKey("listed");
    const v2 = await client.createEcKey("listed");
    assert.equal((await client.getKey("listed")).properties.version, v2.properties.version);
    assert.equal((await client.getKey("listed", { version: v1.properties.version! })).key?.kid, v1.key?.kid);
    const versions: string[] = [];
    for await (const page of client.listPropertiesOfKeyVersions("listed").byPage({ maxPageSize: 1 }))
      versions.push(...page.map((p) => p.version!));
    assert.deepEqual(versions, [v1.properties.version, v2.properties.version]);
    const names: string[] = [];
    for await (const page of client.listPropertiesOfKeys().byPage({ maxPageSize: 4 })) {
      assert.ok(page.length <= 4);
      names.push(...page.map((p) => p.name));
    }
    assert.ok(names.includes("listed") && names.includes("rsa-2048"));
    assert.equal(new Set(names).size, names.length);

    const updated = await client.updateKeyProperties("listed", v1.properties.version!, {
      enabled: false,
      tags: { x: "y" },
      keyOps: ["verify"],
    });
    assert.equal(updated.properties.enabled, false);
    assert.deepEqual(updated.properties.tags, { x: "y" });
    assert.deepEqual(updated.keyOperations, ["verify"]);
    // Dates before 2038: the SDK serialises seconds with `| 0` (32-bit).
    const latest = await client.updateKeyProperties("listed", { expiresOn: new Date(2_100_000_000_000) });
    assert.equal(latest.properties.version, v2.properties.version);
    assert.equal(latest.properties.expiresOn?.getTime(), 2_100_000_000_000);
  });

  it("soft-deletes, recovers, deletes again and purges", async () => {
    await client.createEcKey("doomed-key");
    const deleted = await (await client.beginDeleteKey("doomed-key", fast)).pollUntilDone();
    assert.ok(deleted.properties.recoveryId?.endsWith("/deletedkeys/doomed-key"));
    assert.ok(deleted.properties.scheduledPurgeDate instanceof Date);
    await assert.rejects(client.getKey("doomed-key"), (e: { statusCode?: number }) => e.statusCode === 404);
    await assert.rejects(client.createEcKey("doomed-key"), (e: { statusCode?: number }) => e.statusCode === 409);
    assert.equal((await client.getDeletedKey("doomed-key")).name, "doomed-key");
    const listed: string[] = [];
    for await (const d of client.listDeletedKeys()) listed.push(d.name);
    assert.ok(listed.includes("doomed-key"));
    await (await client.beginRecoverDeletedKey("doomed-key", fast)).pollUntilDone();
    assert.equal((await client.getKey("doomed-key")).name, "doomed-key");
    await (await client.beginDeleteKey("doomed-key", fast)).pollUntilDone();
    await client.purgeDeletedKey("doomed-key");
    await assert.rejects(client.getDeletedKey("doomed-key"), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it("backs up all versions and restores them, with working private keys", async () => {
    const v1 = await client.createRsaKey("backed-key");
    await client.createRsaKey("backed-key");
    const blob = await client.backupKey("backed-key");
    assert.ok(blob && blob.length > 100);
    const signature = await crypto(v1).sign("RS256", randomBytes(32));
    await (await client.beginDeleteKey("backed-key", fast)).pollUntilDone();
    await client.purgeDeletedKey("backed-key");
    const restored = await client.restoreKeyBackup(blob);
    assert.equal(restored.name, "backed-key");
    const again = await client.getKey("backed-key", { version: v1.properties.version! });
    assert.deepEqual(bytes(again.key?.n), bytes(v1.key?.n));
    const digest = randomBytes(32);
    const resigned = await crypto(again).sign("RS256", digest);
    assert.ok((await crypto(again).verify("RS256", digest, resigned.result)).result);
    assert.ok(signature.result.length === 256);
    await assert.rejects(client.restoreKeyBackup(blob), (e: { statusCode?: number }) => e.statusCode === 409);
    const truncated = blob.subarray(0, blob.length - 7);
    await assert.rejects(
      client.restoreKeyBackup(truncated),
      (e: { statusCode?: number; code?: string; message?: string }) =>
        e.statusCode === 400 && e.code === "BadParameter" && e.message === "Backup blob contains invalid or corrupt version.",
    );
  });

  it("rotates to a new version of the same type and size", async () => {
    const first = await client.createRsaKey("rotated", { keySize: 3072, keyOps: ["sign", "verify"] });
    const rotated = await client.rotateKey("rotated");
    assert.notEqual(rotated.properties.version, first.properties.version);
    assert.equal(rotated.keyType, "RSA");
    assert.equal(bytes(rotated.key?.n).length, 384);
    assert.deepEqual(rotated.keyOperations, ["sign", "verify"]);
    assert.notDeepEqual(bytes(rotated.key?.n), bytes(first.key?.n));
    const ec = await client.createEcKey("rotated-ec", { curve: "P-521" });
    assert.equal((await client.rotateKey(ec.name)).key?.crv, "P-521");
  });

  it("gets the default rotation policy, sets one and validates it as Azure does", async () => {
    await client.createEcKey("policed");
    const initial = await client.getKeyRotationPolicy("policed");
    assert.equal(initial.lifetimeActions?.length, 1);
    assert.equal(initial.lifetimeActions?.[0]?.action, "Notify");
    assert.equal(initial.lifetimeActions?.[0]?.timeBeforeExpiry, "P30D");
    const set = await client.updateKeyRotationPolicy("policed", {
      expiresIn: "P90D",
      lifetimeActions: [
        { action: "Rotate", timeAfterCreate: "P30D" },
        { action: "Notify", timeBeforeExpiry: "P7D" },
      ],
    });
    assert.equal(set.expiresIn, "P90D");
    assert.equal(set.lifetimeActions?.length, 2);
    assert.ok(set.createdOn instanceof Date);
    const read = await client.getKeyRotationPolicy("policed");
    assert.deepEqual(read.lifetimeActions, set.lifetimeActions);
    const rotated = await client.rotateKey("policed");
    const expectedExpiry = Date.now() + 90 * 86_400_000;
    assert.ok(Math.abs(rotated.properties.expiresOn!.getTime() - expectedExpiry) < 120_000, "a rotated version expires per the policy");

    const bad = [
      { expiresIn: "P10D", lifetimeActions: [] },
      { expiresIn: "P90D", lifetimeActions: [{ action: "Rotate" as const, timeAfterCreate: "P1D" }] },
      { lifetimeActions: [{ action: "Rotate" as const, timeBeforeExpiry: "P30D" }] },
      { expiresIn: "P90D", lifetimeActions: [{ action: "Notify" as const, timeAfterCreate: "P30D" }] },
      { expiresIn: "not-a-duration", lifetimeActions: [] },
    ];
    for (const policy of bad) {
      await assert.rejects(
        client.updateKeyRotationPolicy("policed", policy),
        (e: { statusCode?: number }) => e.statusCode === 400,
        JSON.stringify(policy),
      );
    }
    await assert.rejects(client.getKeyRotationPolicy("no-such-key"), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it("returns 1 to 128 random bytes and refuses other counts", async () => {
    const one = await client.getRandomBytes(1);
    assert.equal(one.length, 1);
    const many = await client.getRandomBytes(128);
    assert.equal(many.length, 128);
    assert.notDeepEqual(Buffer.from(many), Buffer.from(await client.getRandomBytes(128)));
    await assert.rejects(client.getRandomBytes(0), (e: { statusCode?: number }) => e.statusCode === 400);
    await assert.rejects(client.getRandomBytes(129), (e: { statusCode?: number }) => e.statusCode === 400);
  });

  it("answers key release, attestation and exportable keys with Azure errors, not silence", async () => {
    const key = await client.createEcKey("not-exportable");
    await assert.rejects(
      client.releaseKey("not-exportable", "eyJhbGciOiJub25lIn0.e30."),
      (e: { statusCode?: number; code?: string }) => e.statusCode === 403 && e.code === "Forbidden",
    );
    await assert.rejects(
      client.getKeyAttestation("not-exportable", { version: key.properties.version! }),
      (e: { statusCode?: number }) => e.statusCode === 400,
    );
    await assert.rejects(client.createEcKey("exportable", { exportable: true }), (e: { statusCode?: number }) => e.statusCode === 400);
    await assert.rejects(client.getKeyAttestation("no-such-key"), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it("never stores key material in the clear", async () => {
    const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
    await client.importKey("scanned-key", {
      kty: "EC",
      crv: "P-256",
      x: Buffer.from(jwk.x!, "base64url"),
      y: Buffer.from(jwk.y!, "base64url"),
      d: Buffer.from(jwk.d!, "base64url"),
    });
    const d = Buffer.from(jwk.d!, "base64url");
    // Every file below the data directory, the audit trail's included.
    for (const file of readdirSync(server.dir, { recursive: true }) as string[]) {
      const path = join(server.dir, file);
      if (!statSync(path).isFile()) continue;
      assert.ok(!readFileSync(path).includes(d), `${file} holds the private scalar in the clear`);
    }
  });
});
