import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEV_USER_NAME } from "../../src/dev/dev-identities.js";
import { AuthThrottle } from "../../src/identity/auth-throttle.js";
import { PrincipalService } from "../../src/identity/principal-service.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { adminApi } from "../support/admin-api.js";
import { type DevServer, newDataDir, startDevServer } from "../support/dev-server.js";

interface KeptUser {
  id: string;
  password: string;
}

const keptUser = (dir: string): KeptUser => (JSON.parse(readFileSync(join(dir, "dev-identities.json"), "utf8")) as { user: KeptUser }).user;

/** The password the start banner printed for the dev user. */
function bannerPassword(server: DevServer): string {
  const match = /^ {2}Dev user\s+dev@keyhold\.local\s+password: (\S+)/m.exec(server.output());
  assert.ok(match, `no dev user line in the banner:\n${server.output()}`);
  return match[1]!;
}

/** A principal's role assignments as `role at scope`, sorted. */
async function grantsOf(server: DevServer, principalId: string): Promise<string[]> {
  const assignments = await adminApi(server)<{ roleDefinitionName: string; scope: string }[]>(
    "GET",
    `/keyhold/roleAssignments?principalId=${principalId}`,
  );
  return assignments.map((a) => `${a.roleDefinitionName} at ${a.scope}`).sort();
}

/** Whether the store in `dir` (its server stopped) accepts this password for the dev user, as sign-in will check it. */
async function signsIn(dir: string, password: string): Promise<string | undefined> {
  const store = SqliteStore.open(join(dir, "keyhold.db"));
  try {
    const throttle = new AuthThrottle({ clientId: { perMinute: 1000, burst: 1000 }, holdMs: 0 });
    const principals = new PrincipalService(store, () => Math.floor(Date.now() / 1000), { throttle });
    return (await principals.authenticateUser(DEV_USER_NAME, password))?.principal.id;
  } finally {
    await store.close();
  }
}

describe("dev mode's user", () => {
  it("is made with the dev service principal's rights, its password kept, printed and reused; --reset makes a new one", async () => {
    const dir = newDataDir();
    let server = await startDevServer(dir, ["--vault", "team-vault"]);
    const first = keptUser(dir);
    assert.match(first.password, /^[A-Za-z0-9_-]{20}$/);
    assert.equal(statSync(join(dir, "dev-identities.json")).mode & 0o777, 0o600);
    assert.equal(bannerPassword(server), first.password);
    assert.ok(!readFileSync(join(dir, "dev.env"), "utf8").includes(first.password), "the SDK's env file holds no password");

    const admin = adminApi(server);
    const user = await admin<{ id: string; displayName: string; type: string }>("GET", `/keyhold/users/${DEV_USER_NAME}`);
    assert.deepEqual([user.id, user.displayName, user.type], [first.id, "Keyhold Dev User", "user"]);
    const grants = await grantsOf(server, user.id);
    assert.deepEqual(grants, [
      "Key Vault Administrator at /vaults/keyhold-dev",
      "Key Vault Administrator at /vaults/team-vault",
      "Keyhold Administrator at /",
    ]);
    assert.deepEqual(grants, await grantsOf(server, server.env.AZURE_CLIENT_ID!), "the same as the dev service principal's");
    await server.stop();
    assert.equal(await signsIn(dir, first.password), first.id);

    server = await startDevServer(dir);
    assert.deepEqual(keptUser(dir), first, "a restart reuses the user and its password");
    assert.equal(bannerPassword(server), first.password);
    // A user deleted by hand is made again at the next start, with the password the file keeps.
    await adminApi(server)("DELETE", `/keyhold/users/${DEV_USER_NAME}`);
    await server.stop();

    server = await startDevServer(dir);
    const remade = keptUser(dir);
    assert.notEqual(remade.id, first.id);
    assert.equal(remade.password, first.password);
    assert.deepEqual(await grantsOf(server, remade.id), ["Key Vault Administrator at /vaults/keyhold-dev", "Keyhold Administrator at /"]);
    await server.stop();
    assert.equal(await signsIn(dir, first.password), remade.id);

    server = await startDevServer(dir, ["--reset"]);
    const reset = keptUser(dir);
    assert.notEqual(reset.password, first.password, "--reset gives a new password");
    assert.equal(bannerPassword(server), reset.password);
    await server.stop();
    assert.equal(await signsIn(dir, first.password), undefined);
    assert.equal(await signsIn(dir, reset.password), reset.id);
  });
});
