import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import { AuthThrottle, AuthThrottled } from "../../src/identity/auth-throttle.js";
import { HashPool } from "../../src/identity/hash-pool.js";
import { PASSWORD_COST, UNMATCHABLE_PASSWORD_HASH } from "../../src/identity/password-hash.js";
import { PrincipalService } from "../../src/identity/principal-service.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";

const PASSWORD = "correct horse battery staple";
const NOW = 1_800_000_000;

/** Rejects with a KeyVaultError of this status (the wire's status and code come from it). */
async function refused(work: Promise<unknown>, status: number, message?: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof KeyVaultError, String(error));
    assert.equal(error.status, status);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe("user principals", () => {
  let dir: string;
  let store: SqliteStore;
  let pool: HashPool;
  let names = 0;
  /** A user name no other test uses, so the tests share one store. */
  const fresh = (local = "user") => `${local}${++names}@example.org`;
  /** A service with limits no test reaches unless it sets its own. */
  const service = (throttle = new AuthThrottle({ clientId: { perMinute: 1000, burst: 1000 }, holdMs: 0 })) =>
    new PrincipalService(store, () => NOW, { hashPool: pool, throttle });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "keyhold-users-"));
    store = SqliteStore.open(join(dir, "k.db"));
    pool = new HashPool({ workers: 1 });
  });
  after(async () => {
    await pool.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates a user that is found by name in any case or by id, signs in, is listed and deleted", async () => {
    const principals = service();
    const name = fresh("Alice");
    const alice = await principals.createUser({ userName: name, password: PASSWORD });
    assert.deepEqual(alice, { id: alice.id, kind: "user", displayName: name, userName: name, createdAt: NOW });
    assert.deepEqual(await principals.findUser(name.toUpperCase()), alice);
    assert.deepEqual(await principals.findUser(alice.id), alice);
    const app = await principals.createServicePrincipal("an app");
    assert.equal(app.principal.userName, null);
    assert.equal(await principals.findUser(app.principal.id), null, "a service principal is no user");
    assert.equal(await principals.findUser(fresh()), null);
    const credentials = await principals.listCredentials(alice.id);
    assert.deepEqual(
      credentials.map((c) => c.kind),
      ["password"],
    );
    assert.ok(credentials[0]!.hash.startsWith(`scrypt$${PASSWORD_COST.n}$${PASSWORD_COST.r}$${PASSWORD_COST.p}$`), "self-describing");
    assert.ok(!credentials[0]!.hash.includes(PASSWORD));

    const signedIn = await principals.authenticateUser(name.toLowerCase(), PASSWORD);
    assert.deepEqual(signedIn, { principal: alice, credentialId: credentials[0]!.id });
    const listed = (await principals.list()).map((p) => p.id);
    assert.ok(listed.includes(alice.id) && listed.includes(app.principal.id), "list() has users and other principals");

    await principals.delete(alice.id);
    assert.equal(await principals.findUser(name), null);
    assert.equal(await principals.authenticateUser(name, PASSWORD), null, "a deleted user cannot sign in");
    assert.deepEqual(await store.listCredentials(alice.id), [], "its password went with it");
  });

  it("takes a display name, and refuses a bad one", async () => {
    const principals = service();
    assert.equal(
      (await principals.createUser({ userName: fresh(), displayName: "Bob Builder", password: PASSWORD })).displayName,
      "Bob Builder",
    );
    await refused(principals.createUser({ userName: fresh(), displayName: "  ", password: PASSWORD }), 400, /display name/);
  });

  it("refuses a wrong password and an unknown user alike, each for exactly one scrypt on the hash pool", async () => {
    const principals = service();
    const name = fresh();
    await principals.createUser({ userName: name, password: PASSWORD });
    const cost = async (work: () => Promise<unknown>): Promise<{ answer: unknown; pool: number; service: number }> => {
      const [poolBefore, serviceBefore] = [pool.hashesChecked, principals.hashChecks];
      const answer = await work();
      return { answer, pool: pool.hashesChecked - poolBefore, service: principals.hashChecks - serviceBefore };
    };
    const wrong = await cost(() => principals.authenticateUser(name, `${PASSWORD}!`));
    const unknown = await cost(() => principals.authenticateUser(fresh(), PASSWORD));
    const right = await cost(() => principals.authenticateUser(name, PASSWORD));
    assert.deepEqual(wrong, { answer: null, pool: 1, service: 1 });
    assert.deepEqual(unknown, { answer: null, pool: 1, service: 1 }, "an unknown user costs what a wrong password does");
    assert.equal(right.pool, 1, "a correct password is checked on the hash pool's thread, not the event loop");
    assert.notEqual(right.answer, null);
    assert.ok(UNMATCHABLE_PASSWORD_HASH.startsWith(`scrypt$${PASSWORD_COST.n}$${PASSWORD_COST.r}$${PASSWORD_COST.p}$`), "at the same cost");
  });

  it("refuses a second user of the same name in any case with 409 Conflict", async () => {
    const principals = service();
    const name = fresh("Carol");
    const carol = await principals.createUser({ userName: name, password: PASSWORD });
    await refused(principals.createUser({ userName: name.toUpperCase(), password: `${PASSWORD}2` }), 409, /already exists/);
    assert.deepEqual(
      (await principals.list()).filter((p) => p.userName?.toLowerCase() === name.toLowerCase()),
      [carol],
    );
  });

  it("maps the store's refusal of a duplicate name to 409 when the name was free at the first look (a race)", async () => {
    const name = fresh();
    await service().createUser({ userName: name, password: PASSWORD });
    // The look before hashing misses the user, as it does when another node creates it meanwhile.
    const racing = new Proxy(store, {
      get: (target, property) => {
        if (property === "getUserByName") return async () => undefined;
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const principals = new PrincipalService(racing, () => NOW, { hashPool: pool });
    await refused(principals.createUser({ userName: name.toUpperCase(), password: PASSWORD }), 409, /already exists/);
    assert.equal((await store.listPrincipals()).filter((p) => p.userName?.toLowerCase() === name.toLowerCase()).length, 1);
  });

  it("refuses passwords outside the policy, counted after NFC normalisation, and user names not shaped local@domain", async () => {
    const principals = service();
    for (const password of ["eleven char", "x".repeat(257), " ".repeat(12), "\t\n".repeat(8), `${"a".repeat(10)}e\u0301`]) {
      await refused(principals.createUser({ userName: fresh(), password }), 400, /password/);
    }
    for (const userName of [
      "a@",
      "@b",
      "no-at-sign",
      "two@at@example.org",
      "sp ace@example.org",
      "tab\t@example.org",
      "ü@example.org",
      "a@b.",
      `${"x".repeat(250)}@example.org`,
    ]) {
      await refused(principals.createUser({ userName, password: PASSWORD }), 400, /user name/);
    }
    assert.ok(await principals.createUser({ userName: fresh(), password: "x".repeat(256) }), "256 characters are enough");
    assert.ok(await principals.createUser({ userName: "a@b", password: "  twelve chars" }), "the shortest name; spaces in a password");
  });

  it("hashes the NFC form, so composed and decomposed accents are the same password", async () => {
    const principals = service();
    const name = fresh();
    await principals.createUser({ userName: name, password: "mot de passe d\u00e9j\u00e0 vu" });
    assert.notEqual(await principals.authenticateUser(name, "mot de passe de\u0301ja\u0300 vu"), null);
  });

  it("replaces the password: the old one stops working, the new one works, one password at a time", async () => {
    const principals = service();
    const name = fresh();
    const user = await principals.createUser({ userName: name, password: PASSWORD });
    assert.notEqual(await principals.authenticateUser(name, PASSWORD), null, "remembered as a recent success");
    await principals.setUserPassword(user.id, "a new password, longer");
    assert.equal(await principals.authenticateUser(name, PASSWORD), null, "the old password, though it signed in a moment ago");
    assert.notEqual(await principals.authenticateUser(name, "a new password, longer"), null);
    assert.equal((await principals.listCredentials(user.id)).filter((c) => c.kind === "password").length, 1);

    await refused(principals.setUserPassword(user.id, "too short"), 400, /password/);
    const app = await principals.createServicePrincipal("not a user");
    await refused(principals.setUserPassword(app.principal.id, PASSWORD), 400, /not a user/);
    await refused(principals.setUserPassword("0a1b2c3d-0000-4000-8000-0000000000ff", PASSWORD), 404);
  });

  it("throttles repeated failures per user name (even for the right password after) and per address", async () => {
    const throttle = new AuthThrottle({ clientId: { perMinute: 1, burst: 3 }, address: { perMinute: 1, burst: 5 }, holdMs: 0 });
    const principals = service(throttle);
    const name = fresh();
    await principals.createUser({ userName: name, password: PASSWORD });
    for (let i = 0; i < 3; i++) assert.equal(await principals.authenticateUser(name, `wrong ${i}`, "10.9.0.1"), null);
    const hashes = pool.hashesChecked;
    await assert.rejects(principals.authenticateUser(name.toUpperCase(), PASSWORD, "10.9.0.2"), (error: unknown) => {
      assert.ok(error instanceof AuthThrottled);
      assert.equal(error.reason, "clientId");
      return true;
    });
    assert.equal(pool.hashesChecked, hashes, "refused without a hash");

    for (let i = 0; i < 2; i++) assert.equal(await principals.authenticateUser(fresh(), PASSWORD, "10.9.0.1"), null);
    await assert.rejects(principals.authenticateUser(fresh(), PASSWORD, "10.9.0.1"), (error: unknown) => {
      assert.ok(error instanceof AuthThrottled);
      assert.equal(error.reason, "address");
      return true;
    });
  });
});
