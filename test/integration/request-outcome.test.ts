import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RequestOutcome } from "../../src/server/request-outcome.js";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

const API = "api-version=7.4";

/** What each stage of the pipeline tells observers about a finished request, allowed, refused or failed. */
describe("request outcomes", () => {
  let t: TestApp;
  const seen: RequestOutcome[] = [];
  before(async () => {
    t = await createTestApp("dev", {
      observers: [
        (outcome) => seen.push(outcome),
        () => {
          throw new Error("an observer that fails");
        },
      ],
    });
  });
  after(async () => {
    await t.close();
  });

  /** The outcome of the one request `send` makes. */
  async function outcomeOf(send: () => Promise<unknown>): Promise<RequestOutcome> {
    seen.length = 0;
    await send();
    assert.equal(seen.length, 1);
    return seen[0]!;
  }
  const vaultCall = (method: "GET" | "PUT", path: string, token: string | null, body?: object) =>
    t.app.inject({
      method,
      url: `${path}?${API}`,
      headers: {
        host: VAULT_HOST,
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body && { "content-type": "application/json" }),
      },
      ...(body && { payload: JSON.stringify(body) }),
    });

  it("names the operation, vault, object, version and caller of a data-plane request, and never its value", async () => {
    const set = await outcomeOf(() => vaultCall("PUT", "/secrets/reported", t.token, { value: "the-secret-value" }));
    assert.equal(set.operation, "secrets/set");
    assert.equal(set.vault, "test-vault");
    assert.equal(set.objectName, "reported");
    assert.deepEqual(set.caller, { principalId: t.principal.id, credentialId: t.credentialId, kind: "servicePrincipal" });
    assert.equal(set.status, 200);
    assert.equal(set.errorCode, null);
    assert.equal(set.method, "PUT");
    assert.equal(set.route, "/secrets/:name");
    assert.ok(set.durationMs >= 0 && set.startedAt <= Date.now());
    assert.doesNotMatch(JSON.stringify(set), /the-secret-value/);

    const version = (await vaultCall("GET", "/secrets/reported", t.token)).json().id.split("/").pop();
    const get = await outcomeOf(() => vaultCall("GET", `/secrets/reported/${version}`, t.token));
    assert.equal(get.operation, "secrets/get");
    assert.equal(get.objectVersion, version);
    assert.match(get.requestId, /^[0-9a-f-]{36}$/);
  });

  it("reports a request refused before and after authentication with its error code", async () => {
    const anonymous = await outcomeOf(() => vaultCall("GET", "/secrets/reported", null));
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.operation, "secrets/get");
    assert.equal(anonymous.vault, "test-vault");
    assert.equal(anonymous.caller, null);

    const missing = await outcomeOf(() => vaultCall("GET", "/secrets/not-there", t.token));
    assert.equal(missing.status, 404);
    assert.equal(missing.errorCode, "SecretNotFound");

    const nowhere = await outcomeOf(() => t.app.inject({ method: "GET", url: "/no/such/route" }));
    assert.equal(nowhere.status, 404);
    assert.equal(nowhere.route, null);
    assert.equal(nowhere.errorCode, "NotFound");
  });

  it("names the admin action and its vault, and the token endpoint's caller or OAuth error", async () => {
    const admin = await outcomeOf(() =>
      t.app.inject({ method: "GET", url: "/keyhold/vaults/test-vault", headers: { authorization: `Bearer ${t.token}` } }),
    );
    assert.equal(admin.operation, "Keyhold/vaults/read");
    assert.equal(admin.vault, "test-vault");
    assert.equal(admin.caller?.principalId, t.principal.id);

    const wrongSecret = await outcomeOf(() =>
      t.app.inject({
        method: "POST",
        url: "/adfs/oauth2/token",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: t.principal.id,
          client_secret: "not-the-secret",
          scope: "https://vault.azure.net/.default",
        }).toString(),
      }),
    );
    assert.equal(wrongSecret.operation, "identity/token");
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.errorCode, "invalid_client");
    assert.equal(wrongSecret.caller, null);
    assert.doesNotMatch(JSON.stringify(wrongSecret), /not-the-secret/);
  });
});
