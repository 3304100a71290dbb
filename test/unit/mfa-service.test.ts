import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Envelope } from "../../src/crypto/envelope.js";
import { AuthThrottle, AuthThrottled } from "../../src/identity/auth-throttle.js";
import { loadMfaKey } from "../../src/identity/mfa-key.js";
import { MfaService } from "../../src/identity/mfa-service.js";
import { PrincipalService } from "../../src/identity/principal-service.js";
import { totp } from "../../src/identity/totp.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { secretOfUri } from "../support/totp-secret.js";

const PASSWORD = "correct horse battery staple";

describe("MfaService (TOTP second factor) on a SqliteStore", () => {
  let dir: string;
  let store: SqliteStore;
  let principals: PrincipalService;
  let mfa: MfaService;
  let mfaKey: Buffer;
  let now = 1_800_000_000;
  const clock = () => now;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keyhold-mfa-"));
    store = SqliteStore.open(join(dir, "k.db"));
    const throttle = new AuthThrottle({ clientId: { perMinute: 1, burst: 5 }, holdMs: 0 });
    principals = new PrincipalService(store, clock, { throttle });
    mfaKey = await loadMfaKey(store, new Envelope(randomBytes(32)));
    mfa = new MfaService(store, principals, mfaKey, clock);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const newUser = (name: string) => principals.createUser({ userName: `${name}@example.org`, password: PASSWORD });

  it("keeps one MFA key per store, made once", async () => {
    const envelope = new Envelope(randomBytes(32));
    const other = SqliteStore.open(join(dir, "other.db"));
    try {
      const first = await loadMfaKey(other, envelope);
      assert.equal(first.length, 32);
      assert.deepEqual(await loadMfaKey(other, envelope), first);
      assert.ok((await other.getMeta("mfa-key"))!.length > 32, "kept sealed, not in clear");
      assert.equal((await other.getMeta("mfa-key"))!.includes(first), false);
    } finally {
      await other.close();
    }
  });

  it("enrols a user: the otpauth URI's secret gives accepted codes; the secret is stored encrypted", async () => {
    const user = await newUser("enrol");
    assert.equal(await mfa.hasTotp(user.id), false);
    const uri = await mfa.enableTotp(user.id);
    assert.match(
      uri,
      /^otpauth:\/\/totp\/Keyhold:enrol@example\.org\?secret=[A-Z2-7]{32}&issuer=Keyhold&algorithm=SHA1&digits=6&period=30$/,
    );
    assert.equal(await mfa.hasTotp(user.id), true);
    const secret = secretOfUri(uri);
    assert.equal(secret.length, 20);
    const [credential] = (await store.listCredentials(user.id)).filter((c) => c.kind === "totp");
    assert.match(credential!.hash, /^totp1\$[A-Za-z0-9+/=]+$/);
    assert.equal(Buffer.from(credential!.hash.slice(6), "base64").includes(secret), false);
    assert.equal(credential!.hash.includes(new URL(uri).searchParams.get("secret")!), false);
    assert.equal(await mfa.verifyTotp(user.id, totp(secret, now), "192.0.2.1"), true);
  });

  it("accepts a time step's code once: a replay is refused", async () => {
    const user = await newUser("replay");
    const secret = secretOfUri(await mfa.enableTotp(user.id));
    now += 60;
    const code = totp(secret, now);
    assert.equal(await mfa.verifyTotp(user.id, code, "192.0.2.2"), true);
    assert.equal(await mfa.verifyTotp(user.id, code, "192.0.2.2"), false);
    assert.equal(await mfa.verifyTotp(user.id, totp(secret, now + 30), "192.0.2.2"), true, "the next step's code is another");
  });

  it("accepts one step either side of the server's clock, not two", async () => {
    const user = await newUser("window");
    const secret = secretOfUri(await mfa.enableTotp(user.id));
    now += 300;
    assert.equal(await mfa.verifyTotp(user.id, totp(secret, now - 30), "192.0.2.3"), true);
    assert.equal(await mfa.verifyTotp(user.id, totp(secret, now + 30), "192.0.2.3"), true);
    assert.equal(await mfa.verifyTotp(user.id, totp(secret, now - 90), "192.0.2.3"), false);
    assert.equal(await mfa.verifyTotp(user.id, totp(secret, now + 90), "192.0.2.3"), false);
  });

  it("enabling again replaces the secret; disabling removes it", async () => {
    const user = await newUser("again");
    const first = secretOfUri(await mfa.enableTotp(user.id));
    const second = secretOfUri(await mfa.enableTotp(user.id));
    assert.notDeepEqual(first, second);
    assert.equal((await store.listCredentials(user.id)).filter((c) => c.kind === "totp").length, 1);
    now += 300;
    assert.equal(await mfa.verifyTotp(user.id, totp(first, now), "192.0.2.4"), false);
    assert.equal(await mfa.verifyTotp(user.id, totp(second, now), "192.0.2.4"), true);
    await mfa.disableTotp(user.id);
    assert.equal(await mfa.hasTotp(user.id), false);
    assert.equal(await mfa.verifyTotp(user.id, totp(second, now + 30), "192.0.2.4"), false);
    assert.equal((await store.listCredentials(user.id)).filter((c) => c.kind === "password").length, 1, "the password stays");
  });

  it("a stored secret opens only as its own user's credential", async () => {
    const alice = await newUser("bound-a");
    const bob = await newUser("bound-b");
    await mfa.enableTotp(alice.id);
    const bobSecret = secretOfUri(await mfa.enableTotp(bob.id));
    const [aliceTotp] = (await store.listCredentials(alice.id)).filter((c) => c.kind === "totp");
    const [bobTotp] = (await store.listCredentials(bob.id)).filter((c) => c.kind === "totp");
    // Bob's encrypted secret copied into Alice's credential does not open there.
    await store.deleteCredential(alice.id, aliceTotp!.id);
    await store.addCredential({ ...aliceTotp!, hash: bobTotp!.hash });
    now += 300;
    await assert.rejects(mfa.verifyTotp(alice.id, totp(bobSecret, now), "192.0.2.5"));
  });

  it("only users have a second factor", async () => {
    const sp = await principals.createServicePrincipal("app");
    await assert.rejects(mfa.enableTotp(sp.principal.id), /does not exist/);
  });

  it("counts wrong codes against the user's limit, refusing without a check past it", async () => {
    const user = await newUser("throttled");
    const secret = secretOfUri(await mfa.enableTotp(user.id));
    now += 300;
    const wrong = totp(secret, now) === "000000" ? "000001" : "000000";
    for (let i = 0; i < 5; i++) assert.equal(await mfa.verifyTotp(user.id, wrong, `198.51.100.${i}`), false);
    await assert.rejects(mfa.verifyTotp(user.id, totp(secret, now), "198.51.100.9"), AuthThrottled);
  });
});
