import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { SignJWT } from "jose";
import { generateKeyPairSync } from "node:crypto";
import { DEFAULT_AUDIT_MAX_FILE_BYTES } from "../../src/config/audit-setting.js";
import { auditFilesIn } from "../../src/server/audit/audit-files.js";
import { FileAuditSink } from "../../src/server/audit/audit-file-sink.js";
import { verifyAuditFiles } from "../../src/server/audit/audit-verify.js";
import { AUDIT_PUBLIC_KEY_FILE, openAuditTrail } from "../../src/server/audit/open-audit-trail.js";
import { Envelope } from "../../src/crypto/envelope.js";
import type { AppContext } from "../../src/server/app-context.js";
import { buildApp } from "../../src/server/build-app.js";
import { createContext } from "../../src/server/create-context.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { SwitchableSink } from "../support/audit-fixtures.js";

const AUTHORITY = "https://localhost:8443";
const HOST = "audited.vault.azure.net";
const API = "api-version=7.4";
const SECRET_VALUE = "audit-test-secret-value-0c1d";
const CLAIMED_CLIENT = "claimed-client-id-5e7f";

interface Entry {
  seq: number;
  node: string;
  type: string;
  requestId: string;
  operationName: string;
  operation: string;
  vault: string | null;
  object: { name: string; version: string | null } | null;
  caller: { principalId: string | null; credentialId: string | null; kind: string | null; sourceAddress: string; claimedIdHmac?: string };
  result?: { status: number; errorCode: string | null; durationMs: number };
}

describe("the audit trail of a server", () => {
  let dir: string;
  let store: SqliteStore;
  let ctx: AppContext;
  let app: FastifyInstance;
  let token: string;
  let clientId: string;
  let clientSecret: string;
  let credentialId: string;
  const masterKey = randomBytes(32);
  const logLines: string[] = [];
  const auditDir = () => join(dir, "audit");
  const setting = () => ({ sink: "file" as const, dir: auditDir(), maxFileBytes: DEFAULT_AUDIT_MAX_FILE_BYTES, node: "test-node" });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keyhold-audit-app-"));
    store = SqliteStore.open(join(dir, "keyhold.db"));
    ctx = await createContext(
      store,
      {
        mode: "dev",
        masterKey,
        vaultDomains: ["vault.azure.net"],
        defaultVault: null,
        authorityUrl: AUTHORITY,
        vaultUriTemplate: "https://{name}.vault.azure.net",
        tokenLifetimeSeconds: 3600,
        logLevel: "info",
        audit: setting(),
      },
      { logDestination: { write: (line) => logLines.push(line) } },
    );
    const sp = await ctx.principals.createServicePrincipal("audited");
    clientId = sp.principal.id;
    clientSecret = sp.clientSecret;
    credentialId = sp.credentialId;
    await ctx.access.createAssignment({ principalId: clientId, role: "Keyhold Administrator", scope: "/" }, clientId);
    await ctx.vaults.create({ name: "audited" }, clientId);
    token = (await ctx.issuer.issue(sp.principal, credentialId, "https://vault.azure.net")).accessToken;
    app = buildApp(ctx);
    await app.ready();
  });
  after(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (target: FastifyInstance, method: "GET" | "PUT" | "POST", url: string, bearer: string | null, body?: object) =>
    target.inject({
      method,
      url,
      headers: {
        host: HOST,
        ...(bearer && { authorization: `Bearer ${bearer}` }),
        ...(body && { "content-type": "application/json" }),
      },
      ...(body && { payload: JSON.stringify(body) }),
    });
  const tokenRequest = (target: FastifyInstance, id: string, secret: string) =>
    target.inject({
      method: "POST",
      url: "/adfs/oauth2/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: id,
        client_secret: secret,
        scope: "https://vault.azure.net/.default",
      }).toString(),
    });
  const auditText = () => auditFilesIn(auditDir()).then((files) => files.map((f) => readFileSync(f.path, "utf8")).join(""));
  const entries = async (): Promise<Entry[]> =>
    (await auditText())
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Entry);
  /** The entries of one request, once its outcome has been written (after the answer, so it may take a moment). */
  async function entriesOf(requestId: string): Promise<Entry[]> {
    for (let i = 0; i < 100; i++) {
      const found = (await entries()).filter((e) => e.requestId === requestId);
      if (found.some((e) => e.type === "outcome")) return found;
      await new Promise((done) => setTimeout(done, 10));
    }
    throw new Error(`no outcome entry for ${requestId}`);
  }
  const requestIdOf = (response: { headers: Record<string, unknown> }) => String(response.headers["x-ms-request-id"]);

  it("writes a request entry before the handler and an outcome after it, with caller, vault, object and result", async () => {
    const set = await call(app, "PUT", `/secrets/db-password?${API}`, token, { value: SECRET_VALUE });
    assert.equal(set.statusCode, 200);
    const version = set.json<{ id: string }>().id.split("/").pop()!;
    const [request, outcome] = await entriesOf(requestIdOf(set));
    assert.equal(request?.type, "request");
    assert.equal(request?.operationName, "SecretSet");
    assert.equal(request?.operation, "secrets/set");
    assert.equal(request?.vault, "audited");
    assert.deepEqual(request?.object, { name: "db-password", version: null });
    assert.equal(request?.caller.principalId, clientId);
    assert.equal(request?.caller.credentialId, credentialId);
    assert.equal(request?.caller.kind, "servicePrincipal");
    assert.equal(request?.node, "test-node");
    assert.ok(request?.caller.sourceAddress);
    assert.equal(outcome?.type, "outcome");
    assert.equal(outcome?.result?.status, 200);
    assert.equal(outcome?.result?.errorCode, null);
    assert.ok(outcome.seq > request.seq);

    const get = await call(app, "GET", `/secrets/db-password/${version}?${API}`, token);
    const [getEntry] = await entriesOf(requestIdOf(get));
    assert.equal(getEntry?.operationName, "SecretGet");
    assert.deepEqual(getEntry?.object, { name: "db-password", version });
  });

  it("names key operations, admin actions and token requests as Azure does", async () => {
    const create = await call(app, "POST", `/keys/signer/create?${API}`, token, { kty: "EC", crv: "P-256" });
    assert.equal(create.statusCode, 200);
    assert.equal((await entriesOf(requestIdOf(create)))[0]?.operationName, "KeyCreate");
    const digest = Buffer.alloc(32, 7).toString("base64url");
    const signed = await call(app, "POST", `/keys/signer/sign?${API}`, token, { alg: "ES256", value: digest });
    assert.equal(signed.statusCode, 200);
    assert.equal((await entriesOf(requestIdOf(signed)))[0]?.operationName, "KeySign");

    const vault = await call(app, "PUT", "/keyhold/vaults/second-vault", token, {});
    assert.ok(vault.statusCode < 300, vault.body);
    const [admin] = await entriesOf(requestIdOf(vault));
    assert.deepEqual([admin?.operationName, admin?.operation, admin?.vault], ["VaultPut", "Keyhold/vaults/write", "second-vault"]);

    const issued = await tokenRequest(app, clientId, clientSecret);
    assert.equal(issued.statusCode, 200);
    const [auth, authOutcome] = await entriesOf(requestIdOf(issued));
    assert.equal(auth?.operationName, "Authentication");
    assert.equal(authOutcome?.caller.principalId, clientId);
    assert.equal(authOutcome?.caller.kind, "servicePrincipal");
  });

  it("records refused requests, with what the caller claimed only as an HMAC", async () => {
    const anonymous = await call(app, "GET", `/secrets/db-password?${API}`, null);
    assert.equal(anonymous.statusCode, 401);
    const refused = await entriesOf(requestIdOf(anonymous));
    assert.deepEqual(
      refused.map((e) => e.type),
      ["outcome"],
    );
    assert.deepEqual([refused[0]?.result?.status, refused[0]?.result?.errorCode], [401, "Unauthorized"]);

    const forged = await new SignJWT({ kh_cid: credentialId, oid: clientId })
      .setProtectedHeader({ alg: "ES256" })
      .sign(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
    const badToken = await call(app, "GET", `/secrets/db-password?${API}`, forged);
    assert.equal(badToken.statusCode, 401);
    const [forgedEntry] = await entriesOf(requestIdOf(badToken));
    assert.equal(forgedEntry?.caller.principalId, null);
    assert.equal(forgedEntry?.caller.kind, null);
    assert.match(forgedEntry?.caller.claimedIdHmac ?? "", /^[0-9a-f]{64}$/);

    const wrong = await tokenRequest(app, CLAIMED_CLIENT, "not-the-secret");
    assert.equal(wrong.statusCode, 401);
    const failed = await entriesOf(requestIdOf(wrong));
    const failedOutcome = failed.find((e) => e.type === "outcome");
    assert.deepEqual([failedOutcome?.result?.errorCode, failedOutcome?.caller.principalId], ["invalid_client", null]);
    assert.match(failedOutcome?.caller.claimedIdHmac ?? "", /^[0-9a-f]{64}$/);
    const again = await tokenRequest(app, CLAIMED_CLIENT, "another-wrong-one");
    const againOutcome = (await entriesOf(requestIdOf(again))).find((e) => e.type === "outcome");
    assert.equal(againOutcome?.caller.claimedIdHmac, failedOutcome?.caller.claimedIdHmac, "the same claim, the same HMAC");
  });

  it("never writes a secret value, a token, a client secret or a claimed id", async () => {
    const text = await auditText();
    for (const value of [SECRET_VALUE, token, clientSecret, CLAIMED_CLIENT, "not-the-secret", token.split(".")[2]!]) {
      assert.ok(!text.includes(value), `the trail holds ${value.slice(0, 12)}…`);
    }
  });

  it("verifies, with the public key the server put beside the files", async () => {
    await ctx.audit!.close();
    const files = (await auditFilesIn(auditDir())).map((f) => f.path);
    const publicKey = readFileSync(join(auditDir(), AUDIT_PUBLIC_KEY_FILE), "utf8");
    const result = await verifyAuditFiles(files, publicKey);
    assert.equal(result.problem, null);
    assert.ok(result.signaturesChecked >= 1);
    assert.equal(result.unsignedTail, 0);
  });

  it("logs each checkpoint as it stands in the trail, so that the server log can vouch for the files", async () => {
    const inTrail = (await entries()).filter((e) => e.type === "checkpoint");
    const logged = logLines
      .map((line) => JSON.parse(line) as { auditCheckpoint?: object })
      .flatMap((line) => (line.auditCheckpoint ? [line.auditCheckpoint] : []));
    assert.ok(inTrail.length >= 1);
    assert.deepEqual(logged, inTrail);
  });

  it("answers 503 and changes nothing when the entry cannot be made durable, and continues the chain after", async () => {
    const sink = new SwitchableSink(new FileAuditSink(auditDir(), "test-node", DEFAULT_AUDIT_MAX_FILE_BYTES));
    const failing = { ...ctx, audit: await openAuditTrail(setting(), store, new Envelope(masterKey), { sink }) };
    const failingApp = buildApp(failing);
    await failingApp.ready();
    try {
      sink.failing = true;
      const set = await call(failingApp, "PUT", `/secrets/never-stored?${API}`, token, { value: SECRET_VALUE });
      assert.equal(set.statusCode, 503);
      assert.equal(set.json<{ error: { code: string } }>().error.code, "ServiceUnavailable");
      const vault = await call(failingApp, "PUT", "/keyhold/vaults/never-made", token, {});
      assert.equal(vault.statusCode, 503);
      assert.equal((await tokenRequest(failingApp, clientId, clientSecret)).statusCode, 503);
      sink.failing = false;
      const get = await call(failingApp, "GET", `/secrets/never-stored?${API}`, token);
      assert.equal(get.statusCode, 404);
      assert.equal((await call(failingApp, "GET", "/keyhold/vaults/never-made", token)).statusCode, 404);
      await entriesOf(requestIdOf(get));
    } finally {
      await failingApp.close();
    }
    const files = (await auditFilesIn(auditDir())).map((f) => f.path);
    const result = await verifyAuditFiles(files, readFileSync(join(auditDir(), AUDIT_PUBLIC_KEY_FILE), "utf8"));
    assert.equal(result.problem, null);
  });

  it("refuses a change whose entry cannot be flushed, and answers a read whose entry is written", async () => {
    const sink = new SwitchableSink(new FileAuditSink(auditDir(), "test-node", DEFAULT_AUDIT_MAX_FILE_BYTES));
    const failing = { ...ctx, audit: await openAuditTrail(setting(), store, new Envelope(masterKey), { sink }) };
    const failingApp = buildApp(failing);
    await failingApp.ready();
    try {
      sink.failingSync = true;
      const set = await call(failingApp, "PUT", `/secrets/unflushed?${API}`, token, { value: SECRET_VALUE });
      assert.equal(set.statusCode, 503);
      const get = await call(failingApp, "GET", `/secrets/unflushed?${API}`, token);
      assert.equal(get.statusCode, 404, "the refused set stored nothing, and the read was answered");
      const [entry] = await entriesOf(requestIdOf(get));
      assert.equal(entry?.operationName, "SecretGet");
    } finally {
      sink.failingSync = false;
      await failingApp.close();
    }
  });

  it("is one of /readyz's checks", async () => {
    assert.ok(ctx.readinessChecks.some((check) => check.name === "audit"));
    assert.equal((await app.inject({ method: "GET", url: "/readyz" })).statusCode, 200);
  });

  it("answers GET /keyhold/audit with the newest matching entries, newest first, to an administrator only", async () => {
    await call(app, "PUT", `/secrets/searched?${API}`, token, { value: "searched value" });
    const got = await call(app, "GET", `/secrets/searched?${API}`, token);
    await entriesOf(requestIdOf(got));
    const audit = (query: string, bearer: string | null = token) =>
      app.inject({ method: "GET", url: `/keyhold/audit?${query}`, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    const found = (await audit("vault=AUDITED&operation=SecretGet&top=5")).json().value as Entry[];
    assert.ok(found.length >= 1);
    assert.ok(found.every((e) => e.vault === "audited" && e.operationName === "SecretGet"));
    assert.equal(found[0]!.requestId, requestIdOf(got));
    assert.equal(JSON.stringify(found).includes("searched value"), false, "values never reach the trail");
    const byCaller = (await audit(`caller=${clientId}&top=1000`)).json().value as Entry[];
    assert.ok(byCaller.length > 5 && byCaller.every((e) => e.caller.principalId === clientId));
    const future = (await audit(`since=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).json().value;
    assert.deepEqual(future, []);
    const past = (await audit("until=2000-01-01T00:00:00Z")).json().value;
    assert.deepEqual(past, []);
    assert.equal((await audit("top=0")).statusCode, 400);
    assert.equal((await audit("since=yesterday")).statusCode, 400);
    assert.equal((await audit("vault=a&vault=b")).statusCode, 400);
    assert.equal((await audit("", null)).statusCode, 401);
    const reader = await ctx.principals.createServicePrincipal("not-an-administrator");
    const readerToken = (await ctx.issuer.issue(reader.principal, reader.credentialId, "https://vault.azure.net")).accessToken;
    assert.equal((await audit("", readerToken)).statusCode, 403);
  });
});
