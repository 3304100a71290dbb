import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { VaultRecord } from "../../src/storage/records.js";
import type { NewVersion } from "../../src/vault/object-lifecycle.js";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

const API = "api-version=7.5";

/** A managed version as a certificate would write it: the store marks it, nothing on the wire can. */
const managedSecret = (value: string): NewVersion => ({
  enabled: true,
  notBefore: null,
  expires: null,
  tags: null,
  contentType: "application/x-pem-file",
  keyOps: null,
  publicData: null,
  content: Buffer.from(value, "utf8"),
  managed: true,
});

/** The lifecycle secrets and keys share, over HTTP and through its transaction-taking primitives. */
describe("object lifecycle", () => {
  let t: TestApp;
  let vault: VaultRecord;
  before(async () => {
    t = await createTestApp();
    vault = (await t.store.getVault("test-vault"))!;
  });
  after(async () => {
    await t.close();
  });

  const call = (method: "GET" | "PUT" | "PATCH" | "POST" | "DELETE", path: string, body?: object) =>
    t.app.inject({
      method,
      url: `${path}?${API}`,
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, ...(body && { "content-type": "application/json" }) },
      ...(body && { payload: JSON.stringify(body) }),
    });

  /** A key made through the API, then a managed version of it written as a certificate would. */
  async function managedKey(name: string): Promise<void> {
    assert.equal((await call("POST", `/keys/${name}/create`, { kty: "EC", crv: "P-256" })).statusCode, 200);
    const latest = await t.ctx.keys.lifecycle.live(vault, name, null);
    await t.store.transaction((tx) =>
      t.ctx.keys.lifecycle.addVersion(tx, vault, name, {
        enabled: true,
        notBefore: null,
        expires: null,
        tags: null,
        contentType: null,
        keyOps: latest.keyOps,
        publicData: latest.publicData,
        content: t.ctx.keys.lifecycle.open(vault, latest),
        managed: true,
      }),
    );
  }

  it("writes `managed: true` only for managed versions, in bundles and items", async () => {
    assert.equal((await call("PUT", "/secrets/plain", { value: "v" })).json<Record<string, unknown>>().managed, undefined);
    await t.store.transaction((tx) => t.ctx.secrets.lifecycle.addVersion(tx, vault, "owned", managedSecret("pem")));
    const bundle = (await call("GET", "/secrets/owned")).json<Record<string, unknown>>();
    assert.equal(bundle.managed, true);
    assert.equal(bundle.value, "pem");
    const items = (await call("GET", "/secrets")).json<{ value: { id: string; managed?: boolean }[] }>().value;
    assert.deepEqual(
      items.map((i) => [i.id.split("/").pop(), i.managed]),
      [
        ["owned", true],
        ["plain", undefined],
      ],
    );
    const versions = (await call("GET", "/secrets/owned/versions")).json<{ value: { managed?: boolean }[] }>().value;
    assert.deepEqual(
      versions.map((v) => v.managed),
      [true],
    );

    await managedKey("owned-key");
    assert.equal((await call("GET", "/keys/owned-key")).json<Record<string, unknown>>().managed, true);
    const keyVersions = (await call("GET", "/keys/owned-key/versions")).json<{ value: { managed?: boolean }[] }>().value;
    assert.deepEqual(keyVersions.map((v) => v.managed).sort(), [true, undefined]);
  });

  it("refuses a direct update or delete of a managed secret or key as Azure does, and changes nothing", async () => {
    await t.store.transaction((tx) => t.ctx.secrets.lifecycle.addVersion(tx, vault, "guarded", managedSecret("pem")));
    await managedKey("guarded-key");
    for (const [path, code] of [
      ["/secrets/guarded", "SecretManagedByKeyVault"],
      ["/keys/guarded-key", "KeyManagedByKeyVault"],
    ] as const) {
      for (const [method, operation] of [
        ["PATCH", "update"],
        ["DELETE", "delete"],
      ] as const) {
        const refused = await call(method, path, method === "PATCH" ? { attributes: { enabled: false } } : undefined);
        assert.equal(refused.statusCode, 403, `${method} ${path}`);
        assert.deepEqual(refused.json(), {
          error: {
            code: "Forbidden",
            message: `Operation "${operation}" is not allowed as this object's lifetime is managed by Key Vault.`,
            innererror: { code },
          },
        });
      }
      const still = (await call("GET", path)).json<{ attributes: { enabled: boolean } }>();
      assert.equal(still.attributes.enabled, true, `${path} is unchanged and not deleted`);
    }
  });

  it("deletes, recovers and purges a secret and a key in one transaction, or neither", async () => {
    await t.store.transaction((tx) => t.ctx.secrets.lifecycle.addVersion(tx, vault, "pair", managedSecret("pem")));
    await managedKey("pair");
    const { secrets, keys } = { secrets: t.ctx.secrets.lifecycle, keys: t.ctx.keys.lifecycle };
    const failing = t.store.transaction(async (tx) => {
      await secrets.deleteIn(tx, vault, "pair");
      await keys.deleteIn(tx, vault, "absent");
    });
    await assert.rejects(failing, { status: 404 });
    assert.equal((await call("GET", "/secrets/pair")).statusCode, 200, "the secret's delete was rolled back");

    const deleted = await t.store.transaction(async (tx) => [
      await secrets.deleteIn(tx, vault, "pair"),
      await keys.deleteIn(tx, vault, "pair"),
    ]);
    assert.ok(deleted.every((v) => v.state?.deletedAt !== null && v.record.managed));
    assert.equal((await call("GET", "/deletedsecrets/pair")).json<Record<string, unknown>>().managed, true);
    assert.equal((await call("GET", "/deletedkeys/pair")).statusCode, 200);

    await t.store.transaction(async (tx) => {
      await secrets.recoverIn(tx, vault, "pair");
      await keys.recoverIn(tx, vault, "pair");
    });
    assert.equal((await call("GET", "/secrets/pair")).statusCode, 200);
    assert.equal((await call("GET", "/keys/pair")).statusCode, 200);

    await t.store.transaction(async (tx) => {
      await secrets.deleteIn(tx, vault, "pair");
      await keys.deleteIn(tx, vault, "pair");
    });
    await t.store.transaction(async (tx) => {
      await secrets.purgeIn(tx, vault, "pair");
      await keys.purgeIn(tx, vault, "pair");
    });
    assert.equal((await call("GET", "/deletedsecrets/pair")).statusCode, 404);
    assert.equal((await call("GET", "/deletedkeys/pair")).statusCode, 404);
  });

  it("carries `managed` through a backup and its restore", async () => {
    await t.store.transaction((tx) => t.ctx.secrets.lifecycle.addVersion(tx, vault, "kept", managedSecret("pem")));
    const blob = (await call("POST", "/secrets/kept/backup")).json<{ value: string }>().value;
    await t.store.transaction(async (tx) => {
      await t.ctx.secrets.lifecycle.deleteIn(tx, vault, "kept");
      await t.ctx.secrets.lifecycle.purgeIn(tx, vault, "kept");
    });
    const restored = await call("POST", "/secrets/restore", { value: blob });
    assert.equal(restored.statusCode, 200);
    assert.equal(restored.json<Record<string, unknown>>().managed, true);
    assert.equal((await call("GET", "/secrets/kept")).json<Record<string, unknown>>().value, "pem");
  });
});
