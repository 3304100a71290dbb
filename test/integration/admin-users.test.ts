import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type TestApp, VAULT_HOST, createTestApp } from "../support/test-app.js";

const PASSWORD = "first password of alice";
const NEW_PASSWORD = "second password of alice";

/** The users' admin routes through the HTTP layer (fastify inject), as the test principal (a Keyhold Administrator). */
describe("admin routes for users", () => {
  let t: TestApp;
  /** A token of a principal that may read principals but not write or delete them. */
  let readerToken: string;
  /** Every answer's body, to check that none carries a password. */
  const bodies: string[] = [];

  before(async () => {
    t = await createTestApp();
    const role = await t.ctx.access.createRole("Principal Reader", "reads principals", {
      actions: ["Keyhold/principals/read"],
      notActions: [],
      dataActions: [],
      notDataActions: [],
    });
    const reader = await t.ctx.principals.createServicePrincipal("reader");
    await t.ctx.access.createAssignment({ principalId: reader.principal.id, role: role.id, scope: "/" }, t.principal.id);
    readerToken = (await t.ctx.issuer.issue(reader.principal, reader.credentialId, "https://vault.azure.net")).accessToken;
  });
  after(async () => {
    for (const body of bodies) {
      for (const password of [PASSWORD, NEW_PASSWORD, "short pass!"]) assert.ok(!body.includes(password), body);
      assert.ok(!body.includes("scrypt$"), body);
    }
    await t.close();
  });

  const call = async (method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: object, token = t.token) => {
    const res = await t.app.inject({
      method,
      url,
      headers: { host: VAULT_HOST, authorization: `Bearer ${token}` },
      ...(payload !== undefined && { payload }),
    });
    bodies.push(res.body);
    return { status: res.statusCode, body: res.body ? res.json<any>() : null };
  };
  const refused = async (answer: Promise<{ status: number; body: any }>, status: number, code: string, message?: RegExp) => {
    const { status: got, body } = await answer;
    assert.equal(got, status, JSON.stringify(body));
    assert.equal(body.error.code, code);
    if (message) assert.match(body.error.message, message);
  };

  it("creates a user and shows it by id and by its name in another case, listed among users and principals", async () => {
    const created = await call("POST", "/keyhold/users", { userName: "Alice@Example.org", displayName: "Alice", password: PASSWORD });
    assert.equal(created.status, 201);
    const alice = created.body;
    assert.deepEqual(Object.keys(alice).sort(), ["createdAt", "displayName", "id", "mfa", "tenantId", "type", "userName"]);
    assert.equal(alice.mfa, false);
    assert.equal(alice.userName, "Alice@Example.org");
    assert.equal(alice.displayName, "Alice");
    assert.equal(alice.type, "user");
    assert.ok(!Number.isNaN(Date.parse(alice.createdAt)));

    assert.deepEqual((await call("GET", `/keyhold/users/${alice.id}`)).body, alice);
    assert.deepEqual((await call("GET", "/keyhold/users/alice%40EXAMPLE.ORG")).body, alice);
    const users = (await call("GET", "/keyhold/users")).body;
    assert.ok(users.some((u: any) => u.id === alice.id));
    assert.ok(
      users.every((u: any) => u.type === "user"),
      "users only",
    );

    const principals = (await call("GET", "/keyhold/principals")).body;
    // The principals' routes show a user as a principal, without the users' routes' `mfa`.
    const { mfa: _mfa, ...asPrincipal } = alice;
    assert.deepEqual(
      principals.find((p: any) => p.id === alice.id),
      asPrincipal,
    );
    assert.equal(principals.find((p: any) => p.id === t.principal.id).clientId, t.principal.id, "service principals keep their client id");
    const shown = (await call("GET", `/keyhold/principals/${alice.id}`)).body;
    assert.deepEqual(
      shown.credentials.map((c: any) => Object.keys(c).sort()),
      [["createdAt", "expiresAt", "id", "type"]],
    );
    assert.equal(shown.credentials[0].type, "password");
  });

  it("names the user by its display name's default, the user name, when none is given", async () => {
    const created = await call("POST", "/keyhold/users", { userName: "carol@example.org", password: PASSWORD });
    assert.equal(created.status, 201);
    assert.equal(created.body.displayName, "carol@example.org");
  });

  it("replaces a password: the new one is accepted, the old one no longer", async () => {
    const bob = (await call("POST", "/keyhold/users", { userName: "bob@example.org", password: PASSWORD })).body;
    assert.ok(await t.ctx.principals.authenticateUser("bob@example.org", PASSWORD));
    const set = await call("PUT", "/keyhold/users/BOB@example.org/password", { password: NEW_PASSWORD });
    assert.equal(set.status, 204);
    assert.equal(set.body, null);
    assert.equal((await t.ctx.principals.authenticateUser("bob@example.org", NEW_PASSWORD))?.principal.id, bob.id);
    assert.equal(await t.ctx.principals.authenticateUser("bob@example.org", PASSWORD), null);
    assert.equal((await call("PUT", `/keyhold/users/${bob.id}/password`, { password: PASSWORD })).status, 204, "by id too");
    assert.ok(await t.ctx.principals.authenticateUser("bob@example.org", PASSWORD));
  });

  it("refuses an invalid user name, a password outside 12 to 256 characters and missing fields with 400 BadParameter", async () => {
    for (const userName of ["alice", "al ice@example.org", "a@", "@example.org", `${"a".repeat(250)}@example.org`, "älice@example.org"]) {
      await refused(call("POST", "/keyhold/users", { userName, password: PASSWORD }), 400, "BadParameter", /user name/);
    }
    for (const password of ["short pass!", "x".repeat(257), " ".repeat(12)]) {
      await refused(call("POST", "/keyhold/users", { userName: "dave@example.org", password }), 400, "BadParameter", /password/);
      await refused(call("PUT", "/keyhold/users/alice@example.org/password", { password }), 400, "BadParameter", /password/);
    }
    await refused(call("POST", "/keyhold/users", { userName: "dave@example.org" }), 400, "BadParameter", /'password'/);
    await refused(call("POST", "/keyhold/users", { password: PASSWORD }), 400, "BadParameter", /'userName'/);
    await refused(call("POST", "/keyhold/users", { userName: "dave@example.org", password: 123456789012 }), 400, "BadParameter");
    await refused(
      call("POST", "/keyhold/users", { userName: "dave@example.org", password: PASSWORD, displayName: 7 }),
      400,
      "BadParameter",
    );
    await refused(call("PUT", "/keyhold/users/alice@example.org/password", {}), 400, "BadParameter", /'password'/);
    assert.equal((await call("GET", "/keyhold/users/dave@example.org")).status, 404, "nothing was made");
  });

  it("refuses a user name taken in another case with 409 Conflict", async () => {
    await refused(call("POST", "/keyhold/users", { userName: "ALICE@example.ORG", password: PASSWORD }), 409, "Conflict", /already exists/);
  });

  it("answers 404 for a user that does not exist, and for a principal that is no user", async () => {
    for (const who of ["nobody@example.org", "00000000-0000-0000-0000-000000000000", t.principal.id]) {
      await refused(call("GET", `/keyhold/users/${who}`), 404, "PrincipalNotFound", /No user/);
      await refused(call("DELETE", `/keyhold/users/${who}`), 404, "PrincipalNotFound");
      await refused(call("PUT", `/keyhold/users/${who}/password`, { password: NEW_PASSWORD }), 404, "PrincipalNotFound");
    }
    assert.ok(await t.ctx.principals.get(t.principal.id), "the service principal is still there");
  });

  it("deletes a user by name in another case, with its role assignments", async () => {
    const erin = (await call("POST", "/keyhold/users", { userName: "erin@example.org", password: PASSWORD })).body;
    await t.ctx.access.createAssignment({ principalId: erin.id, role: "Key Vault Reader", scope: "/vaults/test-vault" }, t.principal.id);
    const deleted = await call("DELETE", "/keyhold/users/Erin@Example.ORG");
    assert.equal(deleted.status, 204);
    await refused(call("GET", `/keyhold/users/${erin.id}`), 404, "PrincipalNotFound");
    assert.deepEqual(await t.ctx.access.listAssignments(erin.id), []);
    assert.equal(await t.ctx.principals.authenticateUser("erin@example.org", PASSWORD), null);
  });

  it("lets a caller without principals/write and principals/delete read users but not change them (403)", async () => {
    assert.equal((await call("GET", "/keyhold/users", undefined, readerToken)).status, 200);
    assert.equal((await call("GET", "/keyhold/users/alice@example.org", undefined, readerToken)).status, 200);
    await refused(call("POST", "/keyhold/users", { userName: "mallory@example.org", password: PASSWORD }, readerToken), 403, "Forbidden");
    await refused(call("PUT", "/keyhold/users/alice@example.org/password", { password: NEW_PASSWORD }, readerToken), 403, "Forbidden");
    await refused(call("DELETE", "/keyhold/users/alice@example.org", undefined, readerToken), 403, "Forbidden");
    assert.equal((await call("GET", "/keyhold/users/mallory@example.org")).status, 404);
    assert.ok(await t.ctx.principals.authenticateUser("alice@example.org", PASSWORD), "alice's password is unchanged");
  });
});
