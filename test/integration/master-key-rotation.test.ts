import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { Envelope, EnvelopeError, masterKeyId } from "../../src/crypto/envelope.js";
import type { AppContext } from "../../src/server/app-context.js";
import { buildApp } from "../../src/server/build-app.js";
import { createContext } from "../../src/server/create-context.js";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import type { Store } from "../../src/storage/store.js";
import { MasterKeyRotation, ROTATION_BATCH } from "../../src/vault/master-key-rotation.js";
import { POSTGRES_URL, newDatabase } from "../support/test-database.js";

const API = "api-version=2025-07-01";
const VAULT_HOST = "test-vault.vault.azure.net";
const SECRETS = ROTATION_BATCH + 30;

/** A store that can be opened again (a restart), and removed at the end. */
interface StoreSite {
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

async function sqliteSite(): Promise<StoreSite> {
  const dir = mkdtempSync(join(tmpdir(), "keyhold-rotation-"));
  return {
    open: async () => SqliteStore.open(join(dir, "keyhold.db")),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresSite(): Promise<StoreSite> {
  const database = await newDatabase("keyhold_rotation");
  return { open: () => PostgresStore.open(database.url, { poolSize: 4 }), cleanup: () => database.drop() };
}

/** One server process over the store, with the given master keys, in-process (fastify inject). */
interface Node {
  ctx: AppContext;
  app: FastifyInstance;
  call(method: "GET" | "PUT" | "POST" | "PATCH" | "DELETE", path: string, body?: object): Promise<{ statusCode: number; json(): any }>;
}

async function startNode(store: Store, masterKey: Buffer, previousMasterKeys: Buffer[] = [], admin?: { id: string; token?: string }) {
  const ctx = await createContext(store, {
    mode: "dev",
    masterKey,
    previousMasterKeys,
    vaultDomains: ["vault.azure.net"],
    defaultVault: "test-vault",
    authorityUrl: "https://localhost:8443",
    vaultUriTemplate: "https://{name}.vault.azure.net",
    tokenLifetimeSeconds: 3600,
    logLevel: "silent",
  });
  let principalId = admin?.id;
  if (!principalId) {
    const { principal } = await ctx.principals.createServicePrincipal("rotation-admin");
    await ctx.access.createAssignment({ principalId: principal.id, role: "Keyhold Administrator", scope: "/" }, principal.id);
    await ctx.vaults.create({ name: "test-vault" }, principal.id);
    principalId = principal.id;
  }
  const principal = (await ctx.principals.get(principalId))!;
  const credential = (await store.listCredentials(principalId))[0]!;
  const token = (await ctx.issuer.issue(principal, credential.id, "https://vault.azure.net")).accessToken;
  const app = buildApp(ctx);
  await app.ready();
  const call: Node["call"] = (method, path, body) =>
    app.inject({
      method,
      url: `${path}${path.includes("?") ? "&" : "?"}${API}`,
      headers: { host: VAULT_HOST, authorization: `Bearer ${token}`, ...(body && { "content-type": "application/json" }) },
      ...(body && { payload: JSON.stringify(body) }),
    });
  return { node: { ctx, app, call } satisfies Node, principalId };
}

const value = (i: number | string): string => `value-${i}-${createHash("sha256").update(String(i)).digest("hex").slice(0, 12)}`;

/** Every kind of sealed record: secret versions, a key, a certificate (key, secret, certificate), an issuer, contacts. */
async function writeEverything(node: Node): Promise<void> {
  for (let i = 0; i < SECRETS; i++) assert.equal((await node.call("PUT", `/secrets/s${i}`, { value: value(i) })).statusCode, 200);
  assert.equal((await node.call("POST", "/keys/k1/create", { kty: "EC", crv: "P-256" })).statusCode, 200);
  const policy = { issuer: { name: "Self" }, x509_props: { subject: "CN=rotation" } };
  assert.equal((await node.call("POST", "/certificates/c1/create", { policy })).statusCode, 202);
  assert.equal((await node.call("GET", "/certificates/c1/pending")).json().status, "completed");
  const issuer = { provider: "DigiCert", credentials: { account_id: "acct", pwd: "issuer-password" } };
  assert.equal((await node.call("PUT", "/certificates/issuers/DigiCert01", issuer)).statusCode, 200);
  assert.equal((await node.call("PUT", "/certificates/contacts", { contacts: [{ email: "ops@contoso.com" }] })).statusCode, 200);
}

/** Deletes and purges the secret, then restores the backup: the answer's status. */
async function restoreAnew(node: Node, name: string, backup: string): Promise<number> {
  assert.equal((await node.call("DELETE", `/secrets/${name}`)).statusCode, 200);
  assert.equal((await node.call("DELETE", `/deletedsecrets/${name}`)).statusCode, 204);
  return (await node.call("POST", "/secrets/restore", { value: backup })).statusCode;
}

/** Everything writeEverything wrote, and the secrets written during the rotation, read back (opened) through the wire. */
async function readEverything(node: Node, liveWrites: number): Promise<void> {
  for (let i = 0; i < SECRETS; i++) assert.equal((await node.call("GET", `/secrets/s${i}`)).json().value, value(i), `s${i}`);
  for (let i = 0; i < liveWrites; i++) assert.equal((await node.call("GET", `/secrets/live${i}`)).json().value, value(`live${i}`));
  const digest = randomBytes(32).toString("base64url");
  assert.equal((await node.call("POST", "/keys/k1/sign", { alg: "ES256", value: digest })).statusCode, 200, "the key's material opens");
  const certificate = (await node.call("GET", "/certificates/c1")).json();
  const version = String(certificate.id).split("/").pop();
  assert.ok((await node.call("GET", `/secrets/c1/${version}`)).json().value, "the certificate's secret opens");
  assert.equal((await node.call("POST", "/keys/c1/sign", { alg: "RS256", value: digest })).statusCode, 200, "the certificate's key opens");
  const issuer = await node.call("GET", "/certificates/issuers/DigiCert01");
  assert.equal(issuer.statusCode, 200);
  assert.equal(issuer.json().credentials.account_id, "acct");
  assert.deepEqual((await node.call("GET", "/certificates/contacts")).json().contacts, [{ email: "ops@contoso.com" }]);
}

async function rotatesUnderWrites(site: StoreSite): Promise<void> {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let store = await site.open();
  try {
    const first = await startNode(store, oldKey);
    await writeEverything(first.node);
    const backup = String((await first.node.call("POST", "/secrets/s0/backup")).json().value);
    await first.node.app.close();

    // The rolling restart: the new key is current, the old one only opens.
    const { node } = await startNode(store, newKey, [oldKey], { id: first.principalId });
    const refused = await node.call("POST", "/keyhold/masterKey/rotate", { keyId: masterKeyId(oldKey) });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, "MasterKeyMismatch");
    assert.ok(!JSON.stringify(refused.json()).includes(oldKey.toString("base64")), "the answer never holds a key");

    const LIVE = 40;
    const writes = (async () => {
      for (let i = 0; i < LIVE; i++)
        assert.equal((await node.call("PUT", `/secrets/live${i}`, { value: value(`live${i}`) })).statusCode, 200);
    })();
    const started = await node.call("POST", "/keyhold/masterKey/rotate", { keyId: masterKeyId(newKey) });
    assert.equal(started.statusCode, 202, JSON.stringify(started.json()));
    assert.equal(started.json().currentKeyId, masterKeyId(newKey));
    await Promise.all([writes, (await node.ctx.masterKeyRotation.start()).finished]);
    const progress = (await node.call("GET", "/keyhold/masterKey/rotate")).json();
    assert.equal(progress.state, "done");
    assert.equal(progress.done, progress.total);
    assert.equal(progress.unreadable, 0);
    assert.ok(progress.rewrapped >= SECRETS + 2 + 3, `re-wrapped ${progress.rewrapped}`);
    assert.equal(progress.error, null);
    assert.equal(await restoreAnew(node, "s0", backup), 200, "a backup from before restores while the old key is configured");
    assert.equal((await node.call("GET", "/secrets/s0")).json().value, value(0));
    await node.app.close();
    await store.close();

    // Restarted with the new key alone: everything opens, and every sealed record names the new key.
    store = await site.open();
    const fresh = await startNode(store, newKey, [], { id: first.principalId });
    await readEverything(fresh.node, LIVE);
    assert.equal(await restoreAnew(fresh.node, "s0", backup), 400, "and no longer once the old key is gone");
    for (const table of ["vault_entries", "object_versions"] as const) {
      for (const record of await store.listSealedRecords(table, null, 10_000))
        assert.equal(record.sealed.toString("hex", 1, 9), masterKeyId(newKey), `${table} ${record.key.join("/")}`);
    }
    const later = (await store.listSealedRecords("object_versions", null, 10_000)).find((r) => r.key[2]?.toLowerCase() === "live0")!;
    assert.throws(() => new Envelope(oldKey).open(later.sealed, `secret/test-vault/live0/${later.key[3]!.toLowerCase()}`), EnvelopeError);
    assert.deepEqual(
      new Envelope(newKey).open(later.sealed, `secret/test-vault/live0/${later.key[3]!.toLowerCase()}`).toString(),
      value("live0"),
    );
    await fresh.node.app.close();
    await assert.rejects(createContext(store, { ...baseConfig(), masterKey: oldKey }), EnvelopeError, "the old key alone opens nothing");
  } finally {
    await store.close();
    await site.cleanup();
  }
}

const baseConfig = () => ({
  mode: "dev" as const,
  vaultDomains: ["vault.azure.net"],
  defaultVault: "test-vault",
  authorityUrl: "https://localhost:8443",
  vaultUriTemplate: "https://{name}.vault.azure.net",
  tokenLifetimeSeconds: 3600,
  logLevel: "silent" as const,
});

/** A store whose `n`th transaction fails, as a process killed in the middle of a rotation would stop. */
function failingAt(store: Store, n: number): Store {
  let count = 0;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== "transaction") return Reflect.get(target, property, receiver) as unknown;
      return (work: Parameters<Store["transaction"]>[0]) =>
        ++count === n ? Promise.reject(new Error("killed")) : target.transaction(work);
    },
  });
}

/** A store on `site` holding SECRETS secrets sealed under an old master key, for `rotate` to move to a new one. */
async function seededUnderOldKey(
  site: StoreSite,
  rotate: (store: Store, keys: { oldKey: Buffer; newKey: Buffer }) => Promise<void>,
): Promise<void> {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const store = await site.open();
  try {
    const { node } = await startNode(store, oldKey);
    for (let i = 0; i < SECRETS; i++) assert.equal((await node.call("PUT", `/secrets/s${i}`, { value: value(i) })).statusCode, 200);
    await node.app.close();
    await rotate(store, { oldKey, newKey });
  } finally {
    await store.close();
    await site.cleanup();
  }
}

const resumesAfterInterruption = (site: StoreSite) =>
  seededUnderOldKey(site, async (store, { oldKey, newKey }) => {
    const ring = new Envelope(newKey, [oldKey]);
    // Transactions: 1 starts the pass, 2 meta, 3 vault entries, 4 the first batch of versions, 5 dies.
    const interrupted = new MasterKeyRotation(failingAt(store, 5), ring, () => 1000);
    await (
      await interrupted.start()
    ).finished;
    const stopped = await interrupted.progress();
    assert.equal(stopped.state, "running");
    assert.equal(stopped.error, "killed");
    assert.ok(stopped.done >= ROTATION_BATCH && stopped.done < stopped.total, `done ${stopped.done} of ${stopped.total}`);

    const restarted = new MasterKeyRotation(store, ring, () => 2000);
    assert.equal(await restarted.resumeInterrupted(), true);
    const finished = await restarted.progress();
    assert.equal(finished.state, "done");
    assert.equal(finished.startedAt, 1000, "the same pass, continued");
    assert.equal(finished.done, finished.total);
    assert.equal(finished.rewrapped, SECRETS + 3, "each record once: the secrets, the signing key, the CA and the MFA key");
    assert.equal(await restarted.resumeInterrupted(), false, "nothing left to resume");
    const { node: fresh } = await startNode(store, newKey, [], { id: (await store.listPrincipals())[0]!.id });
    for (let i = 0; i < SECRETS; i += 17) assert.equal((await fresh.call("GET", `/secrets/s${i}`)).json().value, value(i));
    await fresh.app.close();
  });

/** Two processes starting the pass at once (two nodes asked together): it ends done, each record re-wrapped once. */
const twoProcessesAtOnce = (site: StoreSite) =>
  seededUnderOldKey(site, async (store, { oldKey, newKey }) => {
    const ring = () => new Envelope(newKey, [oldKey]);
    const a = new MasterKeyRotation(store, ring(), () => 1000);
    const b = new MasterKeyRotation(store, ring(), () => 1000);
    const started = await a.start();
    await Promise.all([started.finished, b.start().then((s) => s.finished)]);
    for (const process of [a, b]) {
      const progress = await process.progress();
      assert.equal(progress.state, "done");
      assert.equal(progress.error, null, "the process that was overtaken does not report a failure");
      assert.equal(progress.rewrapped, SECRETS + 3);
    }
  });

describe("master key rotation", () => {
  it("sqlite: re-wraps everything under concurrent writes; the new key alone then opens it all, the old key nothing", async () =>
    rotatesUnderWrites(await sqliteSite()));
  it("sqlite: an interrupted rotation continues where it stopped", async () => resumesAfterInterruption(await sqliteSite()));

  it("sqlite: two processes rotating at once finish one pass between them", async () => twoProcessesAtOnce(await sqliteSite()));

  const pg = POSTGRES_URL ? {} : { skip: "no PostgreSQL here (npm test starts one when PostgreSQL is installed)" };
  it("postgres: re-wraps everything under concurrent writes; the new key alone then opens it all, the old key nothing", pg, async () =>
    rotatesUnderWrites(await postgresSite()),
  );
  it("postgres: an interrupted rotation continues where it stopped", pg, async () => resumesAfterInterruption(await postgresSite()));
  it("postgres: two processes rotating at once finish one pass between them", pg, async () => twoProcessesAtOnce(await postgresSite()));
});
