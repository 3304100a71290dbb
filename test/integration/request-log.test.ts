import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  err?: { stack?: string };
  [field: string]: unknown;
}

/**
 * The request log (request-log.ts): one line per request, written from the request's outcome, with what an
 * operator needs and nothing a caller sent in a body, a header or a query string.
 */
describe("the request log", () => {
  let t: TestApp;
  const raw: string[] = [];
  const lines = (): LogLine[] => raw.map((line) => JSON.parse(line) as LogLine);
  const requestLines = () => lines().filter((line) => line.msg === "request completed");
  const SECRET_VALUE = "tell-no-one-9f3b27c1";

  before(async () => {
    t = await createTestApp("dev", { logStream: { write: (line: string) => void raw.push(line) } });
  });
  after(async () => {
    await t.close();
  });

  const call = (method: "GET" | "PUT", url: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });

  it("writes one line per request with its method, route pattern, status, duration, vault, operation, caller and id", async () => {
    const from = raw.length;
    const set = await call("PUT", "/secrets/db-password?api-version=7.4", { value: SECRET_VALUE });
    const get = await call("GET", "/secrets/db-password?api-version=7.4&maxresults=5");
    const missing = await call("GET", "/secrets/no-such-secret?api-version=7.4");
    assert.deepEqual([set.statusCode, get.statusCode, missing.statusCode], [200, 200, 404]);
    const written = requestLines().slice(-3);
    assert.equal(raw.length - from, 3, `one line per request:\n${raw.slice(from).join("")}`);
    assert.deepEqual(
      written.map((line) => line.reqId),
      [set, get, missing].map((res) => res.headers["x-ms-request-id"]),
    );
    const [setLine, getLine, missingLine] = written as [LogLine, LogLine, LogLine];
    assert.equal(setLine.method, "PUT");
    assert.equal(setLine.route, "/secrets/:name", "the route's pattern, not the URL");
    assert.equal(setLine.statusCode, 200);
    assert.equal(typeof setLine.durationMs, "number");
    assert.equal(setLine.vault, "test-vault");
    assert.equal(setLine.operation, "secrets/set");
    assert.equal(setLine.objectName, "db-password");
    assert.equal(setLine.callerId, t.principal.id);
    assert.equal(setLine.credentialId, t.credentialId);
    assert.equal(getLine.operation, "secrets/get");
    assert.equal(missingLine.statusCode, 404);
    assert.equal(missingLine.errorCode, "SecretNotFound");
  });

  it("holds no body, value, token, authorization header or query string, in any line", async () => {
    await call("PUT", "/secrets/another?api-version=7.4", { value: SECRET_VALUE, tags: { note: SECRET_VALUE } });
    const sp = await t.ctx.principals.createServicePrincipal("request-log");
    const token = await t.app.inject({
      method: "POST",
      url: "/adfs/oauth2/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: sp.principal.id,
        client_secret: sp.clientSecret,
        scope: "https://vault.azure.net/.default",
      }).toString(),
    });
    assert.equal(token.statusCode, 200, token.body);
    const issued = token.json<{ access_token: string }>().access_token;
    await t.app.inject({
      method: "GET",
      url: `/secrets/another?api-version=7.4&token=${issued}`,
      headers: { host: VAULT_HOST, authorization: `Bearer ${issued}` },
    });
    assert.ok(requestLines().some((line) => line.operation === "identity/token" && line.callerId === sp.principal.id));
    const everything = raw.join("");
    for (const forbidden of [SECRET_VALUE, sp.clientSecret, issued, t.token, issued.split(".")[1]!, "Bearer", "api-version="])
      assert.ok(!everything.includes(forbidden), `the log holds ${forbidden.slice(0, 16)}…`);
  });

  it("logs 2xx and 4xx at info without a stack, 5xx at error, next to the handler's stack line with the same request id", async () => {
    const ok = await call("GET", "/secrets/db-password?api-version=7.4");
    const refused = await t.app.inject({ method: "GET", url: "/secrets?api-version=7.4", headers: { host: VAULT_HOST } });
    const store = t.store as unknown as Record<string, unknown>;
    const original = store.getLiveObjectVersion;
    store.getLiveObjectVersion = () => Promise.reject(new Error("the disk is on fire"));
    const failed = await call("GET", "/secrets/db-password?api-version=7.4");
    store.getLiveObjectVersion = original;
    assert.deepEqual([ok.statusCode, refused.statusCode, failed.statusCode], [200, 401, 500]);
    const byId = (res: typeof ok) => lines().filter((line) => line.reqId === res.headers["x-ms-request-id"]);
    const [okLine] = byId(ok);
    const [refusedLine] = byId(refused);
    assert.deepEqual([okLine?.level, okLine?.err], [30, undefined]);
    assert.deepEqual(
      [refusedLine?.level, refusedLine?.statusCode, refusedLine?.errorCode, refusedLine?.err],
      [30, 401, "Unauthorized", undefined],
    );
    assert.equal(byId(refused).length, 1, "one line for a client's error");
    const failedLines = byId(failed);
    assert.deepEqual(
      failedLines.map((line) => [line.level, line.msg]),
      [
        [50, "request failed"],
        [50, "request completed"],
      ],
    );
    assert.match(failedLines[0]!.err?.stack ?? "", /the disk is on fire/);
    assert.equal(failedLines[1]!.statusCode, 500);
  });

  it("logs a request refused before routing (a malformed URL) once, at info", async () => {
    const res = await call("GET", "/secrets/%zz?api-version=7.4");
    assert.equal(res.statusCode, 400);
    const written = lines().filter((line) => line.reqId === res.headers["x-ms-request-id"]);
    assert.deepEqual(
      written.map((line) => [line.level, line.method, line.statusCode, line.errorCode]),
      [[30, "GET", 400, "BadParameter"]],
    );
  });
});
