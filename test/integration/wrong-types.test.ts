import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

/**
 * Wrong-typed input to the vault and admin APIs: a name of an Object.prototype member where a table is looked
 * up (`"kty": "constructor"`), objects that String() or Number() cannot convert (`{"toString": 1}`), numbers out
 * of any range, repeated query parameters. Each is Azure's 400 BadParameter, never a 500, and a client's mistake
 * is logged at info level without a stack, never at error level.
 */
describe("wrong-typed input to the vault and admin APIs", () => {
  let t: TestApp;
  const lines: { level: number; msg?: string; err?: unknown; statusCode?: number; errorCode?: string }[] = [];
  before(async () => {
    t = await createTestApp("dev", { logStream: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  });
  after(async () => {
    await t.close();
  });

  const call = (method: "GET" | "PUT" | "PATCH" | "POST", url: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { payload: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  const expectBadParameter = (res: Awaited<ReturnType<typeof call>>, mentions?: string) => {
    assert.equal(res.statusCode, 400, res.body);
    const body = res.json<{ error?: { code?: string; message?: string } }>();
    assert.equal(body.error?.code, "BadParameter", res.body);
    if (mentions) assert.match(body.error?.message ?? "", new RegExp(mentions));
  };
  const PROTOTYPE_NAMES = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"];

  it("refuses a key type or curve named after an Object.prototype member, and stores nothing", async () => {
    for (const name of PROTOTYPE_NAMES) {
      expectBadParameter(await call("POST", "/keys/proto-kty/create?api-version=7.4", { kty: name }), "kty");
      expectBadParameter(await call("POST", "/keys/proto-kty/create?api-version=7.4", { kty: "EC", crv: name }), "crv");
    }
    assert.equal((await call("GET", "/keys/proto-kty?api-version=7.4")).statusCode, 404);
    assert.equal((await call("POST", "/keys/proto-kty/create?api-version=7.4", { kty: "EC", crv: "P-256" })).statusCode, 200);
  });

  it("refuses an imported EC key whose curve is an Object.prototype member's name", async () => {
    const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
    for (const crv of ["constructor", "toString", "__proto__"]) {
      expectBadParameter(await call("PUT", "/keys/proto-import?api-version=7.4", { key: { ...jwk, crv } }), "crv");
    }
    assert.equal((await call("PUT", "/keys/proto-import?api-version=7.4", { key: jwk })).statusCode, 200);
  });

  it("refuses a signature algorithm named after an Object.prototype member", async () => {
    await call("POST", "/keys/signing/create?api-version=7.4", { kty: "EC", crv: "P-256" });
    const digest = Buffer.alloc(32, 1).toString("base64url");
    for (const alg of PROTOTYPE_NAMES) {
      expectBadParameter(await call("POST", "/keys/signing/sign?api-version=7.4", { alg, value: digest }), "Algorithm");
      expectBadParameter(await call("POST", "/keys/signing/verify?api-version=7.4", { alg, digest, value: digest }), "Algorithm");
    }
  });

  it("refuses a rotation policy action whose type is not a string", async () => {
    await call("POST", "/keys/rotating/create?api-version=7.4", { kty: "EC" });
    for (const type of ['{"toString":1}', '{"toString":1,"valueOf":1}', "[]", "5", "true"]) {
      const body = `{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P30D"},"action":{"type":${type}}}]}`;
      expectBadParameter(await call("PUT", "/keys/rotating/rotationpolicy?api-version=7.4", body), "type");
    }
  });

  it("refuses vault settings that are not what they claim, and creates no vault", async () => {
    expectBadParameter(await call("PUT", "/keyhold/vaults/typed-vault", '{"sku":{"name":"premium","family":{"toString":1}}}'), "family");
    for (const retention of ['{"toString":1,"valueOf":1}', '"7"', "[7]", "true", '{"valueOf":7}']) {
      expectBadParameter(
        await call("PUT", "/keyhold/vaults/typed-vault", `{"softDeleteRetentionInDays":${retention}}`),
        "softDeleteRetentionInDays",
      );
    }
    assert.equal((await call("GET", "/keyhold/vaults/typed-vault")).statusCode, 404);
    assert.equal((await call("PUT", "/keyhold/vaults/typed-vault", { softDeleteRetentionInDays: 7 })).statusCode, 201);
  });

  it("refuses a credential lifetime no date can hold", async () => {
    for (const lifetimeSeconds of [1e300, Number.MAX_SAFE_INTEGER, 200 * 365 * 86_400]) {
      expectBadParameter(await call("POST", "/keyhold/principals", { displayName: "long-lived", lifetimeSeconds }), "lifetimeSeconds");
      expectBadParameter(await call("POST", `/keyhold/principals/${t.principal.id}/credentials`, { lifetimeSeconds }), "lifetimeSeconds");
    }
    assert.equal(
      (await call("POST", "/keyhold/principals", { displayName: "long-lived", lifetimeSeconds: 99 * 365 * 86_400 })).statusCode,
      201,
    );
  });

  it("refuses a repeated principalId filter on role assignments", async () => {
    expectBadParameter(await call("GET", `/keyhold/roleAssignments?principalId=${t.principal.id}&principalId=x`), "principalId");
    const res = await call("GET", `/keyhold/roleAssignments?principalId=${t.principal.id}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.json<unknown[]>().length > 0);
  });

  it("logs a client's mistake at info level with its status and code, without a stack, and nothing at error level", async () => {
    const from = lines.length;
    expectBadParameter(await call("POST", "/keys/logged/create?api-version=7.4", { kty: "constructor" }));
    assert.equal((await call("GET", "/secrets/%zz?api-version=7.4")).statusCode, 400);
    assert.equal((await t.app.inject({ method: "GET", url: "/secrets?api-version=7.4", headers: { host: VAULT_HOST } })).statusCode, 401);
    const written = lines.slice(from);
    assert.deepEqual(
      written.map((l) => [l.level, l.statusCode, l.errorCode]),
      [
        [30, 400, "BadParameter"],
        [30, 400, "BadParameter"],
        [30, 401, "Unauthorized"],
      ],
    );
    for (const line of written) assert.equal(line.err, undefined, "no error object, so no stack");
    assert.deepEqual(
      lines.filter((l) => l.level >= 50),
      [],
    );
  });
});
