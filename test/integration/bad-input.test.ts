import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

/** Bad input gets Azure's error JSON, never a crash, and stores nothing. */
describe("bad input to the Secrets API", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  const call = (method: "GET" | "PUT" | "PATCH" | "POST" | "DELETE", url: string, payload?: string, contentType = "application/json") =>
    t.app.inject({
      method,
      url,
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, ...(payload !== undefined && { "content-type": contentType }) },
      ...(payload !== undefined && { payload }),
    });

  const expectError = async (res: Awaited<ReturnType<typeof call>>, status: number, code: string) => {
    assert.equal(res.statusCode, status, res.body);
    const body = res.json<{ error?: { code?: string; message?: string } }>();
    assert.equal(body.error?.code, code);
    assert.equal(typeof body.error?.message, "string");
    assert.ok(res.headers["x-ms-request-id"], "every response carries x-ms-request-id");
  };

  const assertNotStored = async (name: string) => {
    const res = await call("GET", `/secrets/${name}?api-version=2025-07-01`);
    assert.equal(res.statusCode, 404, `${name} must not exist`);
  };

  it("rejects malformed JSON", async () => {
    await expectError(await call("PUT", "/secrets/s1?api-version=2025-07-01", '{"value": "x",'), 400, "BadParameter");
    await assertNotStored("s1");
  });

  it("rejects wrong types and missing fields", async () => {
    const bodies = [
      "{}",
      '{"value": 42}',
      '{"value": null}',
      "[]",
      '"just a string"',
      '{"value": "x", "attributes": {"enabled": "yes"}}',
      '{"value": "x", "attributes": {"exp": "tomorrow"}}',
      '{"value": "x", "attributes": []}',
      '{"value": "x", "tags": {"a": 1}}',
      '{"value": "x", "tags": ["a"]}',
      '{"value": "x", "contentType": 7}',
    ];
    for (const body of bodies) {
      await expectError(await call("PUT", "/secrets/s2?api-version=2025-07-01", body), 400, "BadParameter");
    }
    await assertNotStored("s2");
  });

  it("rejects unknown and missing api-versions", async () => {
    await expectError(await call("GET", "/secrets?api-version=1999-01-01"), 400, "BadParameter");
    await expectError(await call("GET", "/secrets"), 400, "BadParameter");
    await expectError(await call("PUT", "/secrets/s3?api-version=9.9", '{"value":"x"}'), 400, "BadParameter");
    await assertNotStored("s3");
  });

  it("accepts a percent-encoded query name, trailing and doubled slashes", async () => {
    const put = await call("PUT", "/secrets/wire?api%2Dversion=2025-07-01", '{"value":"ok"}');
    assert.equal(put.statusCode, 200, put.body);
    assert.equal((await call("GET", "/secrets/wire/?api-version=2025-07-01")).json().value, "ok");
    assert.equal((await call("GET", "/secrets/wire//?api-version=7.4")).json().value, "ok");
  });

  it("rejects bodies over the limit and values over 25 KB", async () => {
    const huge = JSON.stringify({ value: "x".repeat(1024 * 1024 + 10) });
    await expectError(await call("PUT", "/secrets/s4?api-version=2025-07-01", huge), 413, "RequestBodyTooLarge");
    const big = JSON.stringify({ value: "x".repeat(25 * 1024 + 1) });
    await expectError(await call("PUT", "/secrets/s4?api-version=2025-07-01", big), 400, "BadParameter");
    await assertNotStored("s4");
    const atLimit = JSON.stringify({ value: "x".repeat(25 * 1024) });
    assert.equal((await call("PUT", "/secrets/s4?api-version=2025-07-01", atLimit)).statusCode, 200);
  });

  it("rejects bad names", async () => {
    for (const name of ["bad_name", "a.b", "x".repeat(128), "%C3%A9t%C3%A9"]) {
      await expectError(await call("PUT", `/secrets/${name}?api-version=2025-07-01`, '{"value":"x"}'), 400, "BadParameter");
    }
    assert.equal((await call("PUT", `/secrets/${"x".repeat(127)}?api-version=2025-07-01`, '{"value":"x"}')).statusCode, 200);
  });

  it("enforces Azure's tag and content-type limits", async () => {
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"]));
    await expectError(await call("PUT", "/secrets/s5?api-version=2025-07-01", JSON.stringify({ value: "x", tags })), 400, "BadParameter");
    await expectError(
      await call("PUT", "/secrets/s5?api-version=2025-07-01", JSON.stringify({ value: "x", tags: { k: "v".repeat(257) } })),
      400,
      "BadParameter",
    );
    await expectError(
      await call("PUT", "/secrets/s5?api-version=2025-07-01", JSON.stringify({ value: "x", contentType: "c".repeat(256) })),
      400,
      "BadParameter",
    );
    await assertNotStored("s5");
  });

  it("leaves a secret unchanged when an update is invalid", async () => {
    assert.equal((await call("PUT", "/secrets/s6?api-version=2025-07-01", '{"value":"v","tags":{"a":"b"}}')).statusCode, 200);
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"]));
    await expectError(await call("PATCH", "/secrets/s6?api-version=2025-07-01", JSON.stringify({ tags })), 400, "BadParameter");
    await expectError(await call("PATCH", "/secrets/s6?api-version=2025-07-01", '{"attributes":{"enabled":1}}'), 400, "BadParameter");
    const after = (await call("GET", "/secrets/s6?api-version=2025-07-01")).json();
    assert.deepEqual(after.tags, { a: "b" });
    assert.equal(after.attributes.enabled, true);
  });

  it("rejects bad paging parameters", async () => {
    for (const q of ["maxresults=0", "maxresults=26", "maxresults=abc", "$skiptoken=%%%", "$skiptoken=bm90LWpzb24"]) {
      await expectError(await call("GET", `/secrets?api-version=2025-07-01&${q}`), 400, "BadParameter");
    }
  });

  it("rejects a restore blob that is not a Keyhold backup", async () => {
    for (const value of ["", "not base64!", Buffer.from("KHSB1garbage").toString("base64url")]) {
      await expectError(await call("POST", "/secrets/restore?api-version=2025-07-01", JSON.stringify({ value })), 400, "BadParameter");
    }
    for (const value of [Buffer.from("KHSB1garbage").toString("base64url"), Buffer.from("x".repeat(64)).toString("base64url")]) {
      const res = await call("POST", "/secrets/restore?api-version=2025-07-01", JSON.stringify({ value }));
      assert.equal(res.json().error.message, "Backup blob contains invalid or corrupt version.");
    }
  });

  it("answers malformed URLs, form bodies and repeated api-versions with Azure's error JSON", async () => {
    await expectError(await call("GET", `/secrets/${"a".repeat(600)}?api-version=2025-07-01`), 414, "RequestUriTooLong");
    await expectError(await call("GET", "/secrets/%E0%A4%A?api-version=2025-07-01"), 400, "BadParameter");
    await expectError(
      await call("PUT", "/secrets/form?api-version=2025-07-01", "value=x", "application/x-www-form-urlencoded"),
      415,
      "UnsupportedMediaType",
    );
    await assertNotStored("form");
    await expectError(await call("GET", "/secrets?api-version=7.4&api-version=7.5"), 400, "BadParameter");
  });

  it("refuses a value it could not keep exactly (lone surrogates, bytes that are not UTF-8), and keeps the rest exactly", async () => {
    for (const raw of [
      '{"value":"a\\ud800b"}',
      '{"value":"\\udc00"}',
      '{"value":"x","tags":{"k":"\\ud83d"}}',
      '{"value":"x","contentType":"\\uDFFF"}',
    ]) {
      await expectError(await call("PUT", "/secrets/lone?api-version=2025-07-01", raw), 400, "BadParameter");
    }
    const notUtf8 = Buffer.concat([Buffer.from('{"value":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const res = await t.app.inject({
      method: "PUT",
      url: "/secrets/lone?api-version=2025-07-01",
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, "content-type": "application/json" },
      payload: notUtf8,
    });
    await expectError(res, 400, "BadParameter");
    await assertNotStored("lone");
    // A surrogate pair written as escapes, and an escaped backslash before "ud800", are ordinary values.
    const kept = String.raw`{"value":"\ud83d\ude00 and \\ud800"}`;
    assert.equal((await call("PUT", "/secrets/lone?api-version=2025-07-01", kept)).statusCode, 200);
    assert.equal((await call("GET", "/secrets/lone?api-version=2025-07-01")).json().value, "\u{1F600} and \\ud800");
  });

  it("answers unknown routes and hosts with Azure's error JSON", async () => {
    await expectError(await call("GET", "/nothing/here?api-version=2025-07-01"), 404, "NotFound");
    const res = await t.app.inject({
      method: "GET",
      url: "/secrets?api-version=2025-07-01",
      headers: { host: "example.com", authorization: `Bearer ${t.token}` },
    });
    await expectError(res, 404, "VaultNotFound");
  });

  it("answers 404 for operations on missing and deleted secrets", async () => {
    await expectError(await call("DELETE", "/secrets/ghost?api-version=2025-07-01"), 404, "SecretNotFound");
    await expectError(await call("POST", "/deletedsecrets/ghost/recover?api-version=2025-07-01"), 404, "SecretNotFound");
    await expectError(await call("DELETE", "/deletedsecrets/ghost?api-version=2025-07-01"), 404, "SecretNotFound");
    await expectError(await call("PATCH", "/secrets/ghost?api-version=2025-07-01", "{}"), 404, "SecretNotFound");
    await expectError(await call("POST", "/secrets/ghost/backup?api-version=2025-07-01"), 404, "SecretNotFound");
  });
});
