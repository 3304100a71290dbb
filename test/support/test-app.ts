import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { SignJWT } from "jose";
import { Envelope } from "../../src/crypto/envelope.js";
import type { TokenKeyBackend } from "../../src/crypto/key-backend.js";
import { issuerUrl } from "../../src/identity/issuer-url.js";
import { loadSigningKey } from "../../src/identity/signing-key.js";
import type { AppContext } from "../../src/server/app-context.js";
import type { OutcomeObserver } from "../../src/server/request-outcome.js";
import { buildApp } from "../../src/server/build-app.js";
import { createContext } from "../../src/server/create-context.js";
import type { PrincipalRecord } from "../../src/storage/records.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";

export const AUTHORITY = "https://localhost:8443";
export const VAULT_HOST = "test-vault.vault.azure.net";

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  store: SqliteStore;
  /** The store's SQLite file. */
  storeFile: string;
  /** The master key the store is sealed under (for a second context over the same store). */
  masterKey: Buffer;
  principal: PrincipalRecord;
  /** The test principal's client secret credential, which its tokens name (claim kh_cid). */
  credentialId: string;
  /** A valid bearer token for the test principal and https://vault.azure.net. */
  token: string;
  /** Signs arbitrary claims with the server's own key (for edited-claims tests) or another key. */
  sign(claims: Record<string, unknown>, options?: { otherKey?: boolean; alg?: string }): Promise<string>;
  close(): Promise<void>;
}

const now = (): number => Math.floor(Date.now() / 1000);

/** The HTTP application in-process (fastify inject), over a throw-away SQLite file. */
export async function createTestApp(
  mode: "dev" | "production" = "dev",
  options: {
    serveNewerApiVersions?: boolean;
    onNewerApiVersion?: (requested: string, served: string) => void;
    /** Log at info level into this stream (one pino JSON line per write) instead of not at all. */
    logStream?: { write(line: string): void };
    /** Told of each finished request. */
    observers?: OutcomeObserver[];
    /** An HSM token for RSA-HSM and EC-HSM keys of premium vaults. */
    tokenBackend?: TokenKeyBackend;
  } = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), "keyhold-app-"));
  const storeFile = join(dir, "keyhold.db");
  const store = SqliteStore.open(storeFile);
  const masterKey = randomBytes(32);
  const ctx = await createContext(
    store,
    {
      mode,
      masterKey,
      vaultDomains: ["vault.azure.net", "vault.localhost"],
      defaultVault: "test-vault",
      authorityUrl: AUTHORITY,
      vaultUriTemplate: "https://{name}.vault.azure.net",
      tokenLifetimeSeconds: 3600,
      logLevel: options.logStream ? "info" : "silent",
      serveNewerApiVersions: options.serveNewerApiVersions ?? false,
    },
    {
      ...(options.onNewerApiVersion && { onNewerApiVersion: options.onNewerApiVersion }),
      ...(options.logStream && { logDestination: options.logStream }),
      ...(options.tokenBackend && { tokenBackend: options.tokenBackend }),
    },
  );
  const signingKey = await loadSigningKey(store, new Envelope(masterKey));
  const { principal, credentialId } = await ctx.principals.createServicePrincipal("test");
  await ctx.access.createAssignment({ principalId: principal.id, role: "Keyhold Administrator", scope: "/" }, principal.id);
  await ctx.vaults.create({ name: "test-vault" }, principal.id);
  const token = (await ctx.issuer.issue(principal, credentialId, "https://vault.azure.net")).accessToken;
  const app = buildApp(ctx, undefined, options.observers && { observers: options.observers });
  await app.ready();
  const otherKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  return {
    app,
    ctx,
    store,
    storeFile,
    masterKey,
    principal,
    credentialId,
    token,
    sign: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: options.alg ?? "ES256", kid: signingKey.kid })
        .sign(options.otherKey ? otherKey : signingKey.privateKey),
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Standard claims of a valid token for the test app. */
export function claimsFor(t: TestApp, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = now();
  return {
    iss: issuerUrl(AUTHORITY, t.ctx.tenantId),
    aud: "https://vault.azure.net",
    oid: t.principal.id,
    tid: t.ctx.tenantId,
    kh_cid: t.credentialId,
    appid: t.principal.id,
    sub: t.principal.id,
    iat,
    nbf: iat,
    exp: iat + 3600,
    ...overrides,
  };
}
