import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type TestApp, createTestApp } from "../support/test-app.js";

/**
 * Wrong-typed input to the token endpoints (which anyone may call, unauthenticated) is the client's mistake:
 * OAuth's 400 invalid_request, never a 500 with an error-level stack in the server's log.
 */
describe("bad input to the token endpoints", () => {
  let t: TestApp;
  let clientId: string;
  let clientSecret: string;
  let identityId: string;
  let identityHeader: string;
  const levels: number[] = [];
  before(async () => {
    t = await createTestApp("dev", {
      logStream: { write: (line: string) => void levels.push((JSON.parse(line) as { level: number }).level) },
    });
    const sp = await t.ctx.principals.createServicePrincipal("identity-bad-input");
    clientId = sp.principal.id;
    clientSecret = sp.clientSecret;
    const mi = await t.ctx.principals.createManagedIdentity("identity-bad-input-mi");
    identityId = mi.principal.id;
    identityHeader = mi.identityHeader;
  });
  after(async () => {
    await t.close();
    assert.deepEqual(
      levels.filter((level) => level >= 50),
      [],
      "no error-level log line for a client's mistake",
    );
  });

  const scope = "https://vault.azure.net/.default";
  const token = (payload: string, contentType: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: "POST", url: "/adfs/oauth2/token", headers: { "content-type": contentType, ...headers }, payload });
  const json = (body: unknown) => token(JSON.stringify(body), "application/json");
  const form = (fields: [string, string][], headers: Record<string, string> = {}) =>
    token(
      fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"),
      "application/x-www-form-urlencoded",
      headers,
    );
  const valid = (): [string, string][] => [
    ["grant_type", "client_credentials"],
    ["client_id", clientId],
    ["client_secret", clientSecret],
    ["scope", scope],
  ];

  const expectInvalidRequest = (res: Awaited<ReturnType<typeof token>>, mentions?: string) => {
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.headers["cache-control"], "no-store");
    const body = res.json<{ error?: unknown; error_description?: unknown }>();
    assert.equal(body.error, "invalid_request", res.body);
    assert.equal(typeof body.error_description, "string");
    if (mentions) assert.match(body.error_description as string, new RegExp(mentions));
  };

  it("refuses parameters that are not strings in a JSON body", async () => {
    const base = { grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, scope };
    expectInvalidRequest(await json({ ...base, client_id: 5 }), "'client_id' must be a string");
    expectInvalidRequest(await json({ ...base, client_secret: { toString: 1 } }), "'client_secret'");
    expectInvalidRequest(await json({ ...base, scope: 5 }), "'scope'");
    expectInvalidRequest(await json({ ...base, scope: undefined, resource: ["https://vault.azure.net"] }), "'resource'");
    expectInvalidRequest(await json({ ...base, grant_type: null }), "'grant_type'");
    expectInvalidRequest(await json({ ...base, client_assertion_type: 1, client_assertion: ["x"] }), "client_assertion");
    expectInvalidRequest(await json([base]));
    expectInvalidRequest(await json("grant_type=client_credentials"));
  });

  it("refuses a form field given twice, and reads fields named after Object.prototype's members as any other", async () => {
    expectInvalidRequest(await form([...valid(), ["client_id", "someone-else"]]), "'client_id' is given more than once");
    expectInvalidRequest(await form([...valid(), ["scope", scope]]), "'scope' is given more than once");
    const res = await form([["__proto__", "x"], ["constructor", "y"], ["toString", "z"], ...valid()]);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(typeof res.json().access_token, "string");
  });

  it("refuses HTTP Basic credentials that are not validly percent-encoded, and still takes encoded ones", async () => {
    const basic = (credentials: string) => ({ authorization: `Basic ${Buffer.from(credentials).toString("base64")}` });
    const fields: [string, string][] = [
      ["grant_type", "client_credentials"],
      ["scope", scope],
    ];
    for (const credentials of ["%zz:%zz", `${clientId}:%`, `${clientId}:%E0%A4%A`, "%:secret"]) {
      expectInvalidRequest(await form(fields, basic(credentials)), "percent-encoded");
    }
    const res = await form(fields, basic(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`));
    assert.equal(res.statusCode, 200, res.body);
  });

  it("refuses a repeated query parameter on the managed identity endpoint", async () => {
    const msi = (query: string) =>
      t.app.inject({ method: "GET", url: `/msi/token?api-version=2019-08-01&${query}`, headers: { "x-identity-header": identityHeader } });
    const resource = encodeURIComponent("https://vault.azure.net");
    expectInvalidRequest(await msi(`resource=${resource}&resource=${resource}`), "'resource' is given more than once");
    expectInvalidRequest(await msi(`resource=a&resource=b`), "'resource'");
    expectInvalidRequest(await msi(`resource=${resource}&client_id=${identityId}&client_id=${identityId}`), "'client_id'");
    expectInvalidRequest(await msi(`resource=${resource}&object_id=a&object_id=b`), "'object_id'");
    const ok = await msi(`resource=${resource}&client_id=${identityId}&constructor=x&__proto__=y`);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().client_id, identityId);
  });
});
