import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RequestThrottle } from "../../src/server/throttle/request-throttle.js";
import { type TestApp, VAULT_HOST, createTestApp } from "../support/test-app.js";

/**
 * Data-plane throttling through HTTP: Azure's 429 (its error body, Retry-After) after authorisation and before
 * anything is done, so a throttled write changes nothing; vaults are counted apart.
 */
const API = "api-version=7.6";
const THROTTLED_BODY = {
  error: {
    code: "Throttled",
    message: "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
  },
};

describe("data-plane throttling", () => {
  let t: TestApp;
  let otherToken: string;
  before(async () => {
    t = await createTestApp("production");
    await t.ctx.vaults.create({ name: "other-vault" }, t.principal.id);
    const other = await t.ctx.principals.createServicePrincipal("no-rights");
    otherToken = (await t.ctx.issuer.issue(other.principal, other.credentialId, "https://vault.azure.net")).accessToken;
  });
  after(async () => {
    await t.close();
  });

  const call = (method: "GET" | "PUT", path: string, body?: object, options: { host?: string; token?: string } = {}) =>
    t.app.inject({
      method,
      url: `${path}?${API}`,
      headers: {
        host: options.host ?? VAULT_HOST,
        authorization: `Bearer ${options.token ?? t.token}`,
        ...(body && { "content-type": "application/json" }),
      },
      ...(body && { payload: JSON.stringify(body) }),
    });

  it("is off unless configured", async () => {
    assert.equal(t.ctx.throttle, null);
    for (let i = 0; i < 20; i++) assert.equal((await call("GET", "/secrets")).statusCode, 200);
  });

  it("answers Azure's 429 with Retry-After past a limit, and a throttled write changes nothing", async () => {
    t.ctx.throttle = new RequestThrottle({ windowSeconds: 10, perVault: { createSecretOrImport: 1 }, perCaller: {}, server: {} });
    assert.equal((await call("PUT", "/secrets/throttled", { value: "first" })).statusCode, 200);
    const refused = await call("PUT", "/secrets/throttled", { value: "second" });
    assert.equal(refused.statusCode, 429);
    assert.deepEqual(refused.json(), THROTTLED_BODY);
    const retryAfter = Number(refused.headers["retry-after"]);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10, `Retry-After: ${refused.headers["retry-after"]}`);
    assert.ok(refused.headers["x-ms-request-id"]);
    const read = await call("GET", "/secrets/throttled");
    assert.equal(read.statusCode, 200, "reads are another category");
    assert.equal(read.json<{ value: string }>().value, "first");
    let versions = 0;
    for (const _ of (await call("GET", "/secrets/throttled/versions")).json<{ value: unknown[] }>().value) versions++;
    assert.equal(versions, 1, "no version was added by the throttled write");
  });

  it("counts each vault on its own", async () => {
    t.ctx.throttle = new RequestThrottle({ windowSeconds: 10, perVault: { allOther: 2 }, perCaller: {}, server: {} });
    assert.equal((await call("GET", "/secrets")).statusCode, 200);
    assert.equal((await call("GET", "/secrets")).statusCode, 200);
    assert.equal((await call("GET", "/secrets")).statusCode, 429);
    assert.equal((await call("GET", "/secrets", undefined, { host: "other-vault.vault.azure.net" })).statusCode, 200);
  });

  it("counts only requests that pass authorisation", async () => {
    t.ctx.throttle = new RequestThrottle({ windowSeconds: 10, perVault: { allOther: 1 }, perCaller: {}, server: {} });
    for (let i = 0; i < 3; i++) assert.equal((await call("GET", "/secrets", undefined, { token: otherToken })).statusCode, 403);
    assert.equal((await call("GET", "/secrets")).statusCode, 200);
    assert.equal((await call("GET", "/secrets")).statusCode, 429);
    t.ctx.throttle = null;
  });
});

describe("dev fault injection", () => {
  let dev: TestApp;
  let production: TestApp;
  let otherToken: string;
  before(async () => {
    dev = await createTestApp("dev");
    production = await createTestApp("production");
    const other = await dev.ctx.principals.createServicePrincipal("not-an-admin");
    otherToken = (await dev.ctx.issuer.issue(other.principal, other.credentialId, "https://vault.azure.net")).accessToken;
  });
  after(async () => {
    await dev.close();
    await production.close();
  });

  const request = (t: TestApp, method: "GET" | "PUT" | "POST" | "DELETE", url: string, body?: object, token = t.token) =>
    t.app.inject({
      method,
      url,
      headers: { host: VAULT_HOST, authorization: `Bearer ${token}`, ...(body && { "content-type": "application/json" }) },
      ...(body && { payload: JSON.stringify(body) }),
    });

  it("answers the matching requests with the status and Azure's body, count times, before anything is done", async () => {
    const added = await request(dev, "POST", "/keyhold/dev/faults", { status: 503, count: 2, match: "PUT /secrets/*" });
    assert.equal(added.statusCode, 201, added.body);
    assert.deepEqual(added.json(), { id: 1, status: 503, remaining: 2, match: "PUT /secrets/*" });
    assert.equal((await request(dev, "GET", `/secrets?${API}`)).statusCode, 200, "not matched");
    for (let i = 0; i < 2; i++) {
      const faulted = await request(dev, "PUT", `/secrets/faulted?${API}`, { value: "v" });
      assert.equal(faulted.statusCode, 503);
      assert.equal(faulted.headers["retry-after"], "1");
      assert.equal(faulted.headers["x-keyhold-fault"], "injected");
      assert.equal(faulted.json<{ error: { code: string } }>().error.code, "ServiceUnavailable");
    }
    assert.equal((await request(dev, "GET", `/secrets/faulted?${API}`)).statusCode, 404, "the faulted writes changed nothing");
    assert.equal((await request(dev, "PUT", `/secrets/faulted?${API}`, { value: "v" })).statusCode, 200, "counted down to none");
  });

  it("answers 429 as Azure throttles and 500 as Azure fails", async () => {
    await request(dev, "POST", "/keyhold/dev/faults", { status: 429, count: 1, match: "GET /secrets/faulted" });
    await request(dev, "POST", "/keyhold/dev/faults", { status: 500, count: 1, match: "GET /secrets/faulted" });
    const throttled = await request(dev, "GET", `/secrets/faulted?${API}`);
    assert.equal(throttled.statusCode, 429);
    assert.equal(throttled.headers["retry-after"], "1");
    assert.deepEqual(throttled.json(), THROTTLED_BODY);
    const failed = await request(dev, "GET", `/secrets/faulted?${API}`);
    assert.equal(failed.statusCode, 500);
    assert.equal(failed.headers["retry-after"], undefined);
    assert.equal(failed.json<{ error: { code: string } }>().error.code, "InternalServerError");
    assert.equal((await request(dev, "GET", `/secrets/faulted?${API}`)).statusCode, 200);
  });

  it("lists the waiting faults and clears them", async () => {
    await request(dev, "POST", "/keyhold/dev/faults", { status: 500, count: 3, match: "/keys*" });
    await request(dev, "POST", "/keyhold/dev/faults", { status: 429, count: 1 });
    assert.equal((await request(dev, "GET", `/keys?${API}`)).statusCode, 500);
    const listed = await request(dev, "GET", "/keyhold/dev/faults");
    assert.deepEqual(
      listed.json<{ value: { status: number; remaining: number; match: string }[] }>().value.map(({ status, remaining, match }) => ({
        status,
        remaining,
        match,
      })),
      [
        { status: 500, remaining: 2, match: "* /keys*" },
        { status: 429, remaining: 1, match: "* /*" },
      ],
    );
    assert.deepEqual((await request(dev, "DELETE", "/keyhold/dev/faults")).json(), { cleared: 2 });
    assert.deepEqual((await request(dev, "GET", "/keyhold/dev/faults")).json(), { value: [] });
    assert.equal((await request(dev, "GET", `/keys?${API}`)).statusCode, 200);
  });

  it("refuses a fault it cannot inject, and callers who are not administrators", async () => {
    const bad = await request(dev, "POST", "/keyhold/dev/faults", { status: 404, count: 1 });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<{ error: { code: string } }>().error.code, "BadParameter");
    for (const method of ["POST", "GET", "DELETE"] as const) {
      const refused = await request(
        dev,
        method,
        "/keyhold/dev/faults",
        method === "POST" ? { status: 503, count: 1 } : undefined,
        otherToken,
      );
      assert.equal(refused.statusCode, 403, `${method}: ${refused.body}`);
    }
    assert.deepEqual((await request(dev, "GET", "/keyhold/dev/faults")).json(), { value: [] });
  });

  it("does not exist in production", async () => {
    assert.equal(production.ctx.devFaults, null);
    for (const method of ["POST", "GET", "DELETE"] as const) {
      const absent = await request(production, method, "/keyhold/dev/faults", method === "POST" ? { status: 503, count: 1 } : undefined);
      assert.equal(absent.statusCode, 404, method);
    }
  });
});
