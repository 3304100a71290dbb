import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

/** Every published Key Vault data-plane version, listed here independently of the server's own table. */
const PUBLISHED = [
  "2015-06-01",
  "2016-10-01",
  "7.0",
  "7.1",
  "7.2",
  "7.3",
  "7.4",
  "7.5",
  "7.6",
  "2025-07-01",
  "2026-04-01",
  "7.0-preview",
  "7.1-preview",
  "7.2-preview",
  "7.3-preview",
  "7.4-preview.1",
  "7.5-preview.1",
  "7.6-preview.1",
  "7.6-preview.2",
  "2025-06-01-preview",
  "2025-07-01-preview",
  "2026-01-01-preview",
  "2026-03-01-preview",
  "2026-05-01-preview",
  "2026-07-01-preview",
];

function caller(t: TestApp) {
  return (method: "GET" | "PUT" | "POST" | "DELETE", url: string, body?: object) =>
    t.app.inject({
      method,
      url,
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, ...(body && { "content-type": "application/json" }) },
      ...(body && { payload: JSON.stringify(body) }),
    });
}

async function seed(t: TestApp): Promise<void> {
  const call = caller(t);
  assert.equal((await call("PUT", "/secrets/s?api-version=2026-04-01", { value: "v" })).statusCode, 200);
  assert.equal((await call("POST", "/keys/k/create?api-version=2026-04-01", { kty: "EC", crv: "P-256" })).statusCode, 200);
}

describe("api-versions in production mode", () => {
  let t: TestApp;
  let call: ReturnType<typeof caller>;
  before(async () => {
    t = await createTestApp("production");
    call = caller(t);
    await seed(t);
  });
  after(async () => {
    await t.close();
  });

  it("answers a secret GET and a key GET at every published version", async () => {
    for (const version of PUBLISHED) {
      const secret = await call("GET", `/secrets/s?api-version=${version}`);
      assert.equal(secret.statusCode, 200, `${version}: ${secret.body}`);
      assert.equal(secret.json().value, "v");
      const key = await call("GET", `/keys/k?api-version=${version}`);
      assert.equal(key.statusCode, 200, `${version}: ${key.body}`);
      assert.equal(key.json().key.kty, "EC");
    }
  });

  it("refuses versions it does not know with Azure's 400", async () => {
    for (const version of ["9.9", "2030-01-01", "2030-01-01-preview", "7.7", "2025-07-02", "2026-04-01 ", "latest"]) {
      const res = await call("GET", `/secrets/s?api-version=${encodeURIComponent(version)}`);
      assert.equal(res.statusCode, 400, version);
      assert.equal(res.json().error.code, "BadParameter");
      assert.equal(
        res.json().error.message,
        `The specified version (${version}) is not recognized. Consider using the latest supported version (2026-04-01).`,
      );
    }
  });

  it("answers in the shape each version defines", async () => {
    const attributes = async (version: string, path: string) => (await call("GET", `${path}?api-version=${version}`)).json().attributes;
    // 2015-06-01 predates soft-delete: no recovery level.
    assert.equal((await attributes("2015-06-01", "/secrets/s")).recoveryLevel, undefined);
    assert.equal((await attributes("2015-06-01", "/secrets/s")).enabled, true);
    // 2016-10-01 and 7.0 have the recovery level but not recoverableDays (7.1).
    for (const version of ["2016-10-01", "7.0", "7.0-preview"]) {
      const a = await attributes(version, "/secrets/s");
      assert.equal(a.recoveryLevel, "Recoverable+Purgeable", version);
      assert.equal(a.recoverableDays, undefined, version);
    }
    // Keys gain `exportable` in 7.3.
    assert.equal((await attributes("7.2", "/keys/k")).exportable, undefined);
    assert.equal((await attributes("7.2", "/keys/k")).recoverableDays, 90);
    for (const version of ["7.3", "7.4-preview.1", "2025-07-01", "2026-04-01"]) {
      const a = await attributes(version, "/keys/k");
      assert.equal(a.exportable, false, version);
      assert.equal(a.recoverableDays, 90, version);
    }
  });

  it("gives a symmetric key's size from 2026-04-01 on, in bundles and lists", async () => {
    assert.equal((await call("POST", "/keys/sym/create?api-version=2026-04-01", { kty: "oct", key_size: 256 })).statusCode, 200);
    const bundle = async (version: string) => (await call("GET", `/keys/sym?api-version=${version}`)).json().attributes;
    assert.equal((await bundle("2026-04-01")).key_size, 256);
    assert.equal((await bundle("2026-01-01-preview")).key_size, 256);
    assert.equal((await bundle("2025-07-01")).key_size, undefined);
    const listed = (await call("GET", "/keys?api-version=2026-04-01")).json().value as { kid: string; attributes: { key_size?: number } }[];
    assert.equal(listed.find((k) => k.kid.endsWith("/keys/sym"))?.attributes.key_size, 256);
    assert.equal(listed.find((k) => k.kid.endsWith("/keys/k"))?.attributes.key_size, undefined, "EC keys have no key_size attribute");
  });

  it("answers a delete at 2015-06-01 without the soft-delete fields, and with them after", async () => {
    await call("PUT", "/secrets/old?api-version=2026-04-01", { value: "x" });
    const old = (await call("DELETE", "/secrets/old?api-version=2015-06-01")).json();
    assert.match(old.id, /\/secrets\/old\/[0-9a-f]{32}$/);
    assert.equal(old.recoveryId, undefined);
    assert.equal(old.deletedDate, undefined);
    const deleted = (await call("GET", "/deletedsecrets/old?api-version=7.0")).json();
    assert.match(deleted.recoveryId, /\/deletedsecrets\/old$/);
    assert.equal(typeof deleted.deletedDate, "number");
  });

  it("repeats the client's api-version in next links", async () => {
    await call("PUT", "/secrets/s2?api-version=2026-04-01", { value: "v" });
    const page = (await call("GET", "/secrets?api-version=7.4-preview.1&maxresults=1")).json();
    assert.match(page.nextLink, /[?&]api-version=7\.4-preview\.1(&|$)/);
  });
});

describe("api-versions in dev mode", () => {
  let lenient: TestApp;
  let strict: TestApp;
  const told: string[] = [];
  before(async () => {
    lenient = await createTestApp("dev", {
      serveNewerApiVersions: true,
      onNewerApiVersion: (requested, served) => told.push(`${requested}->${served}`),
    });
    strict = await createTestApp("dev", { serveNewerApiVersions: false });
    await seed(lenient);
    await seed(strict);
  });
  after(async () => {
    await lenient.close();
    await strict.close();
  });

  it("answers a well-formed newer version as the newest it knows, telling once per version", async () => {
    const call = caller(lenient);
    for (let i = 0; i < 3; i++) {
      const res = await call("GET", "/secrets/s?api-version=2030-01-01");
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().value, "v");
      assert.equal(res.json().attributes.recoverableDays, 90);
    }
    assert.equal((await call("GET", "/keys/k?api-version=2031-06-30-preview")).statusCode, 200);
    assert.deepEqual(told, ["2030-01-01->2026-04-01", "2031-06-30-preview->2026-04-01"]);
  });

  it("still refuses malformed, impossible and older unknown versions", async () => {
    const call = caller(lenient);
    for (const version of ["9.9", "7.7", "2030-02-30", "2030-1-01", "2026-03-31", "2030-01-01-beta", "2030-01-01x"]) {
      const res = await call("GET", `/secrets/s?api-version=${version}`);
      assert.equal(res.statusCode, 400, version);
      assert.equal(res.json().error.code, "BadParameter");
    }
    assert.equal(told.length, 2);
  });

  it("refuses newer versions when strict, as production does", async () => {
    const res = await caller(strict)("GET", "/secrets/s?api-version=2030-01-01");
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, "BadParameter");
  });
});
