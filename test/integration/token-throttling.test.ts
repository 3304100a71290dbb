import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { AuthThrottle, AuthThrottled, addressBucketKey } from "../../src/identity/auth-throttle.js";
import { HashPool } from "../../src/identity/hash-pool.js";
import { PrincipalService } from "../../src/identity/principal-service.js";
import { hashSecret, newSecret } from "../../src/identity/secret-hash.js";
import { type TestApp, createTestApp } from "../support/test-app.js";

/**
 * The token endpoints are reachable without authentication and every credential check is a scrypt: failed
 * attempts are limited per client id and per address (429, Entra's throttling JSON), checks run on the hash
 * pool, and each attempt costs exactly one hash whatever the client has.
 */
const SCOPE = "https://vault.azure.net/.default";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("token endpoint throttling", () => {
  let t: TestApp;
  // The limiter's clock stands still unless a test moves it: buckets refill with time (30 a minute per address),
  // and 30 scrypts take seconds on a slow machine, which would refill a few before the 31st attempt. Refusals are
  // held 50 ms instead of a second, to keep the run short.
  const HOLD_MS = 50;
  const clock = 0;
  before(async () => {
    t = await createTestApp();
    t.ctx.principals = new PrincipalService(t.store, () => Math.floor(Date.now() / 1000), {
      throttle: new AuthThrottle({ holdMs: HOLD_MS }, () => clock),
    });
  });
  after(async () => {
    await t.close();
  });

  const token = (clientId: string, secret: string, address: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: "POST",
      url: "/adfs/oauth2/token",
      remoteAddress: address,
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      payload: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: secret,
        scope: SCOPE,
      }).toString(),
    });
  const msi = (header: string, address: string) =>
    t.app.inject({
      method: "GET",
      url: `/msi/token?api-version=2019-08-01&resource=${encodeURIComponent("https://vault.azure.net")}`,
      remoteAddress: address,
      headers: { "x-identity-header": header },
    });
  const wrong = () => newSecret();
  /** The number of scrypt checks the request caused. */
  const hashesFor = async (send: () => Promise<{ statusCode: number }>, status: number): Promise<number> => {
    const before = t.ctx.principals.hashChecks;
    const res = await send();
    assert.equal(res.statusCode, status);
    return t.ctx.principals.hashChecks - before;
  };

  const assertThrottled = (res: Awaited<ReturnType<typeof token>>, clientRequestId?: string) => {
    assert.equal(res.statusCode, 429, res.body);
    const retryAfter = Number(res.headers["retry-after"]);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${res.headers["retry-after"]}`);
    assert.equal(res.headers["cache-control"], "no-store");
    const body = res.json<Record<string, unknown>>();
    assert.deepEqual(Object.keys(body).sort(), ["correlation_id", "error", "error_codes", "error_description", "timestamp", "trace_id"]);
    assert.equal(body.error, "temporarily_unavailable");
    assert.match(String(body.error_description), /^AADSTS90055: /);
    assert.match(String(body.error_description), /\r\nTrace ID: .+\r\nCorrelation ID: .+\r\nTimestamp: .+$/);
    assert.deepEqual(body.error_codes, [90055]);
    assert.match(String(body.timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    assert.equal(body.trace_id, res.headers["x-ms-request-id"]);
    if (clientRequestId) assert.equal(body.correlation_id, clientRequestId);
    else assert.match(String(body.correlation_id), GUID);
    return body;
  };

  it("answers 429 after 10 wrong secrets for one client id, without hashing; other clients are not affected", async () => {
    const locked = await t.ctx.principals.createServicePrincipal("locked");
    const other = await t.ctx.principals.createServicePrincipal("other");
    const remembered = await t.ctx.principals.createServicePrincipal("remembered");
    // A client that proved its secret lately is recognised without a hash, so a lockout of its id spares it.
    assert.equal((await token(remembered.principal.id, remembered.clientSecret, "10.1.0.9")).statusCode, 200);

    for (let i = 0; i < 10; i++) {
      assert.equal((await token(locked.principal.id, wrong(), "10.1.0.1")).statusCode, 401, `attempt ${i + 1}`);
    }
    for (let i = 0; i < 10; i++) {
      assert.equal((await token(remembered.principal.id, wrong(), "10.1.0.2")).statusCode, 401, `attempt ${i + 1}`);
    }
    const clientRequestId = randomUUID();
    const hashes = t.ctx.principals.hashChecks;
    const started = performance.now();
    const refused = await token(locked.principal.id, wrong(), "10.1.0.1", { "client-request-id": clientRequestId });
    assert.ok(performance.now() - started >= HOLD_MS - 1, "a refusal for failures is held before it is answered");
    assert.match(String(assertThrottled(refused, clientRequestId).error_description), /for this client/);
    assert.equal(t.ctx.principals.hashChecks, hashes, "a refused attempt runs no hash");
    // Per client id, from any address (the id is what is being guessed).
    assertThrottled(await token(locked.principal.id, wrong(), "10.1.0.3"));
    assertThrottled(await token(locked.principal.id.toUpperCase(), wrong(), "10.1.0.3"));

    // Another client, from another address and from the address that failed 10 times, still gets its token.
    assert.equal((await token(other.principal.id, other.clientSecret, "10.1.0.4")).statusCode, 200);
    assert.equal((await token(other.principal.id, other.clientSecret, "10.1.0.1")).statusCode, 200);
    // The remembered client's id is locked too, but its correct secret still works.
    assertThrottled(await token(remembered.principal.id, wrong(), "10.1.0.5"));
    assert.equal((await token(remembered.principal.id, remembered.clientSecret, "10.1.0.5")).statusCode, 200);
  });

  it("answers 429 after 30 failures from one address, whatever client ids they name; other addresses are not affected", async () => {
    const client = await t.ctx.principals.createServicePrincipal("behind the noisy address");
    const address = "10.2.0.1";
    // Three wrong secrets for each of ten ids: under the per-id limit every time.
    for (let i = 0; i < 30; i++) {
      const res = await token(i % 10 === 0 ? client.principal.id : `unknown-${Math.floor(i / 3)}`, wrong(), address);
      assert.equal(res.statusCode, 401, `attempt ${i + 1}: ${res.body}`);
    }
    assert.match(String(assertThrottled(await token(randomUUID(), wrong(), address)).error_description), /from this address/);
    // A success elsewhere does not clear the address's failures for other ids.
    assert.equal((await token(client.principal.id, client.clientSecret, "10.2.0.2")).statusCode, 200);
    assertThrottled(await token(randomUUID(), wrong(), address));
    // An IPv4-mapped IPv6 peer is the same address.
    assertThrottled(await token(randomUUID(), wrong(), `::ffff:${address}`));
    // The client's own id was named 3 times: from another address it is fine, and remembered here.
    assert.equal((await token(client.principal.id, client.clientSecret, address)).statusCode, 200);
  });

  it("lets one address have 4 checks under way at once; others are not affected", async () => {
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => token(randomUUID(), wrong(), "10.7.0.1")));
    const elsewhere = token(randomUUID(), wrong(), "10.7.0.2");
    assert.deepEqual(outcomes.map((r) => r.statusCode).sort(), [401, 401, 401, 401, 429, 429, 429, 429]);
    for (const r of outcomes.filter((o) => o.statusCode === 429)) {
      assert.match(String(assertThrottled(r).error_description), /at once/);
      assert.equal(r.headers["retry-after"], "1");
    }
    assert.equal((await elsewhere).statusCode, 401);
    assert.equal(t.ctx.principals.throttle.size.underWay, 0, "nothing is left under way");
  });

  it("checks the same secret sent several times at once only once", async () => {
    const client = await t.ctx.principals.createServicePrincipal("many processes, one credential");
    const before = t.ctx.principals.hashChecks;
    const answers = await Promise.all(Array.from({ length: 6 }, () => token(client.principal.id, client.clientSecret, "10.8.0.1")));
    assert.deepEqual(
      answers.map((r) => r.statusCode),
      [200, 200, 200, 200, 200, 200],
    );
    assert.equal(t.ctx.principals.hashChecks - before, 1);
  });

  it("limits wrong identity headers at /msi/token the same way", async () => {
    const identity = await t.ctx.principals.createManagedIdentity("throttled identity");
    const header = (secret: string) => `${identity.principal.id}.${secret}`;
    for (let i = 0; i < 10; i++) assert.equal((await msi(header(wrong()), "10.3.0.1")).statusCode, 401, `attempt ${i + 1}`);
    assertThrottled(await msi(header(wrong()), "10.3.0.2"));
  });

  it("costs exactly one hash per attempt, with four secrets or one, and for unknown client ids", async () => {
    const four = await t.ctx.principals.createServicePrincipal("four secrets");
    const secrets = [four.clientSecret];
    for (let i = 0; i < 3; i++) secrets.push((await t.ctx.principals.addClientSecret(four.principal.id, null)).secret);
    const one = await t.ctx.principals.createServicePrincipal("one secret");
    for (const secret of [...secrets, one.clientSecret]) assert.match(secret, /^[0-9a-f]{8}~[A-Za-z0-9_-]{43}$/);
    assert.equal(new Set(secrets.map((s) => s.slice(0, 8))).size, 4, "each secret names its own credential");

    let n = 0;
    const address = () => `10.4.${Math.floor(n / 200)}.${n++ % 200}`;
    for (const client of [four, one]) {
      const id = client.principal.id;
      assert.equal(await hashesFor(() => token(id, wrong(), address()), 401), 1, "a wrong secret without a hint");
      assert.equal(
        await hashesFor(() => token(id, `${client.clientSecret.slice(0, 9)}${wrong()}`, address()), 401),
        1,
        "a wrong secret naming a credential",
      );
      assert.equal(await hashesFor(() => token(id, `00000000~${wrong()}`, address()), 401), 1, "a wrong secret naming no credential");
    }
    assert.equal(await hashesFor(() => token(randomUUID(), wrong(), address()), 401), 1, "an unknown client id");
    assert.equal(
      await hashesFor(() => token("not-a-guid", `abcdef01~${wrong()}`, address()), 401),
      1,
      "an unknown client id, hinted secret",
    );
    for (const secret of secrets) {
      assert.equal(
        await hashesFor(() => token(four.principal.id, secret, address()), 200),
        1,
        "each of the four secrets works, for one hash",
      );
      assert.equal(await hashesFor(() => token(four.principal.id, secret, address()), 200), 0, "then it is remembered");
    }
    const identity = await t.ctx.principals.createManagedIdentity("one header");
    assert.equal(await hashesFor(() => msi(`${identity.principal.id}.${wrong()}`, address()), 401), 1, "a wrong identity header");
    assert.equal(await hashesFor(() => msi(wrong(), address()), 401), 1, "an identity header naming nobody");
    assert.equal(await hashesFor(() => msi(identity.identityHeader, address()), 200), 1);
  });

  it("keeps secrets hashed before secrets named their credential valid", async () => {
    // Stored exactly as earlier versions stored them (dev-identities.json secrets, bootstrap administrators).
    const legacy = async (principalId: string) => {
      const secret = newSecret();
      await t.store.addCredential({
        id: randomUUID(),
        principalId,
        kind: "clientSecret",
        hash: await hashSecret(secret),
        certificate: null,
        createdAt: 0,
        expiresAt: null,
      });
      return secret;
    };
    let n = 0;
    const address = () => `10.5.0.${n++}`;
    const mixed = await t.ctx.principals.createServicePrincipal("one old secret and one new");
    const old = await legacy(mixed.principal.id);
    assert.equal(await hashesFor(() => token(mixed.principal.id, wrong(), address()), 401), 1);
    assert.equal(await hashesFor(() => token(mixed.principal.id, old, address()), 200), 1, "the old secret, for one hash");
    assert.equal(await hashesFor(() => token(mixed.principal.id, mixed.clientSecret, address()), 200), 1, "the new one, for one hash");

    // Several old secrets cannot be told apart without checking each: they keep working (the one exception).
    const several = await t.ctx.principals.createServicePrincipal("two old secrets");
    const olds = [await legacy(several.principal.id), await legacy(several.principal.id)];
    for (const secret of olds) assert.equal((await token(several.principal.id, secret, address())).statusCode, 200);
  });

  it("refuses at once (429, Retry-After: 1) when the hash pool's queue is full, counting no failure", async () => {
    const pool = new HashPool({ workers: 1, maxWaiting: 2 });
    const throttle = new AuthThrottle();
    const principals = new PrincipalService(t.store, () => Math.floor(Date.now() / 1000), { hashPool: pool, throttle });
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => principals.authenticateClient(randomUUID(), wrong(), `10.6.0.${i}`)),
      );
      const busy = outcomes.filter((o) => o.status === "rejected");
      assert.equal(outcomes.filter((o) => o.status === "fulfilled" && o.value === null).length, 3, "one running, two waiting");
      assert.equal(busy.length, 3);
      for (const o of busy) {
        const reason = o.reason as AuthThrottled;
        assert.ok(reason instanceof AuthThrottled);
        assert.equal(reason.reason, "busy");
        assert.equal(reason.retryAfterSeconds, 1);
      }
      assert.equal(pool.hashesChecked, 3);
      assert.deepEqual(throttle.size, { clientIds: 3, addresses: 3, underWay: 0 }, "refused for a full queue: no failure counted");
    } finally {
      await pool.close();
    }
    // Through the endpoint: many concurrent attempts from many addresses, more than the queue holds.
    const responses = await Promise.all(Array.from({ length: 16 }, (_, i) => token(randomUUID(), wrong(), `10.6.1.${i}`)));
    const refused = responses.filter((r) => r.statusCode === 429);
    assert.ok(refused.length > 0, "some were refused");
    for (const r of refused) {
      assertThrottled(r);
      assert.equal(r.headers["retry-after"], "1");
    }
    assert.ok(responses.every((r) => r.statusCode === 401 || r.statusCode === 429));
  });
});

describe("failed-attempt limiter", () => {
  it("keeps at most maxEntries keys per table under endless distinct ids and addresses", () => {
    let clock = 0;
    const throttle = new AuthThrottle({ maxEntries: 100 }, () => clock);
    for (let i = 0; i < 20_000; i++) {
      throttle.admit(`client-${i}-${"x".repeat(i % 3 === 0 ? 10_000 : 1)}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`).failed();
      clock += 1;
    }
    assert.deepEqual(throttle.size, { clientIds: 100, addresses: 100, underWay: 0 });
    // The oldest went first: the most recent key is still counted, the first one is forgotten.
    const recent = new AuthThrottle({ maxEntries: 2, clientId: { perMinute: 1, burst: 1 } }, () => clock);
    recent.admit("a", undefined);
    recent.admit("b", undefined);
    assert.throws(() => recent.admit("b", undefined), AuthThrottled);
    recent.admit("c", undefined);
    recent.admit("a", undefined); // "a" was evicted by "c": its failure is forgotten
    assert.ok(recent.size.clientIds <= 2);
  });

  it("the default tables are bounded", () => {
    assert.equal(new AuthThrottle().limits.maxEntries, 10_000);
  });

  it("refills over time and gives tokens back on success", () => {
    let clock = 0;
    const throttle = new AuthThrottle({ clientId: { perMinute: 10, burst: 2 }, address: { perMinute: 30, burst: 30 } }, () => clock);
    throttle.admit("id", "192.0.2.1").failed();
    throttle.admit("id", "192.0.2.1").failed();
    const refused = (() => {
      try {
        throttle.admit("id", "192.0.2.1");
      } catch (error) {
        return error as AuthThrottled;
      }
      return null;
    })();
    assert.equal(refused?.reason, "clientId");
    assert.equal(refused?.retryAfterSeconds, 6, "10 a minute: one every 6 s");
    assert.throws(() => throttle.check("id", "192.0.2.9"), AuthThrottled, "check() refuses as admit() would");
    throttle.check("other", "192.0.2.1");
    throttle.check("other", "192.0.2.1");
    throttle.admit("other", "192.0.2.1").failed();
    throttle.admit("other", "192.0.2.1").failed();
    assert.throws(() => throttle.admit("other", "192.0.2.1"), AuthThrottled, "check() took nothing");
    clock += 6_000;
    throttle.admit("id", "192.0.2.1").succeeded();
    throttle.admit("id", "192.0.2.1").failed();
    assert.throws(() => throttle.admit("id", "192.0.2.1"), AuthThrottled);
  });

  it("counts IPv6 peers per /64 and IPv4-mapped IPv6 as IPv4", () => {
    assert.equal(addressBucketKey("2001:db8:1:2:aaaa::1"), addressBucketKey("2001:db8:1:2:ffff:1:2:3"));
    assert.notEqual(addressBucketKey("2001:db8:1:2::1"), addressBucketKey("2001:db8:1:3::1"));
    assert.equal(addressBucketKey("2001:db8::1"), "2001:db8:0:0::/64");
    assert.equal(addressBucketKey("::1"), "0:0:0:0::/64");
    assert.equal(addressBucketKey("::ffff:192.0.2.7"), "192.0.2.7");
    assert.equal(addressBucketKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  });
});
