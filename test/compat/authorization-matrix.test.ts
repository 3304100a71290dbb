import assert from "node:assert/strict";
import { X509Certificate, createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CertificateClient, DefaultCertificatePolicy } from "@azure/keyvault-certificates";
import { CryptographyClient, type KeyClient } from "@azure/keyvault-keys";
import type { SecretClient } from "@azure/keyvault-secrets";
import { OPERATIONS, type Operation } from "../../src/authz/operations.js";
import { KeyholdClient } from "../../src/cli/keyhold-client.js";
import { PERMISSIONS } from "../../src/authz/permissions.js";
import { adminApi, newPrincipal, type TestPrincipal } from "../support/admin-api.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { OpensslCa } from "../support/openssl-ca.js";
import { devCredential, viaDevProxy } from "../support/sdk.js";
import { KeyClient as AdminKeyClient } from "@azure/keyvault-keys";
import { SecretClient as AdminSecretClient } from "@azure/keyvault-secrets";

/**
 * The matrix: for every secrets, keys and certificates operation, through the official SDK clients, a principal that
 * holds exactly that permission succeeds and one that lacks it gets 403 — with access policies and with RBAC
 * (a custom role holding exactly the operation's data action, or every data action but that one).
 */
interface Clients {
  /** Keyhold's own client (the CLI's), for Keyhold's extensions the SDK does not know. */
  cli: KeyholdClient;
  vault: string;
  secrets: SecretClient;
  keys: KeyClient;
  crypto: (keyId: string) => CryptographyClient;
  certificates: CertificateClient;
}

type Case = {
  /** Prepares what the operation needs, as the vault's administrator; returns what `act` uses. */
  setup?: (admin: Clients, name: string) => Promise<any>;
  act: (tester: Clients, name: string, prepared: any) => Promise<unknown>;
};

const digest = createHash("sha256").update("matrix").digest();
const ecJwk = () => {
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  return {
    kty: "EC" as const,
    crv: "P-256" as const,
    x: Buffer.from(jwk.x!, "base64url"),
    y: Buffer.from(jwk.y!, "base64url"),
    d: Buffer.from(jwk.d!, "base64url"),
  };
};
const firstPage = async (pages: AsyncIterableIterator<unknown>) => (await pages.next()).value;
const secret = (admin: Clients, name: string) => admin.secrets.setSecret(name, "matrix value");
const deletedSecret = async (admin: Clients, name: string) => {
  await secret(admin, name);
  await (await admin.secrets.beginDeleteSecret(name)).pollUntilDone();
};
const key = (admin: Clients, name: string, kty: "EC" | "oct" = "EC") =>
  admin.keys.createKey(name, kty, kty === "oct" ? { keySize: 256 } : {});
const deletedKey = async (admin: Clients, name: string) => {
  await key(admin, name);
  await (await admin.keys.beginDeleteKey(name)).pollUntilDone();
};
const fast = { intervalInMs: 20, updateIntervalInMs: 20 };
const certificate = async (admin: Clients, name: string) =>
  (await admin.certificates.beginCreateCertificate(name, DefaultCertificatePolicy, fast)).pollUntilDone();
const deletedCertificate = async (admin: Clients, name: string) => {
  await certificate(admin, name);
  await (await admin.certificates.beginDeleteCertificate(name, fast)).pollUntilDone();
};
const issuer = (admin: Clients, name: string) => admin.certificates.createIssuer(name, "Test");
const pendingCertificate = async (admin: Clients, name: string) => {
  await admin.certificates.beginCreateCertificate(name, { issuerName: "Unknown", subject: "CN=pending" }, fast);
  return (await admin.certificates.getCertificateOperation(name)).getOperationState().certificateOperation!;
};
let outsideCa: OpensslCa | undefined;
const contacts = (admin: Clients, name: string) => admin.certificates.setContacts([{ email: `${name}@contoso.com` }]);
const rotationPolicy = { lifetimeActions: [{ action: "Rotate" as const, timeAfterCreate: "P30D" }], expiresIn: "P90D" };

const CASES: Partial<Record<Operation, Case>> = {
  "secrets/get": { setup: secret, act: (t, n) => t.secrets.getSecret(n) },
  "secrets/list": { act: (t) => firstPage(t.secrets.listPropertiesOfSecrets().byPage()) },
  "secrets/listVersions": { setup: secret, act: (t, n) => firstPage(t.secrets.listPropertiesOfSecretVersions(n).byPage()) },
  "secrets/set": { act: (t, n) => t.secrets.setSecret(n, "v") },
  "secrets/update": { setup: secret, act: (t, n, s) => t.secrets.updateSecretProperties(n, s.properties.version, { enabled: true }) },
  "secrets/delete": { setup: secret, act: async (t, n) => (await t.secrets.beginDeleteSecret(n)).pollUntilDone() },
  "secrets/listDeleted": { act: (t) => firstPage(t.secrets.listDeletedSecrets().byPage()) },
  "secrets/getDeleted": { setup: deletedSecret, act: (t, n) => t.secrets.getDeletedSecret(n) },
  "secrets/recover": { setup: deletedSecret, act: async (t, n) => (await t.secrets.beginRecoverDeletedSecret(n)).pollUntilDone() },
  "secrets/purge": { setup: deletedSecret, act: (t, n) => t.secrets.purgeDeletedSecret(n) },
  "secrets/backup": { setup: secret, act: (t, n) => t.secrets.backupSecret(n) },
  "secrets/import": { act: (t, n) => t.cli.vaultCall(t.vault, "POST", "/secrets/import", { secrets: [{ name: n, value: "v" }] }) },
  "secrets/restore": {
    setup: async (a, n) => {
      await secret(a, n);
      const blob = await a.secrets.backupSecret(n);
      await deletedSecret(a, n).catch(() => a.secrets.beginDeleteSecret(n).then((p) => p.pollUntilDone()));
      await a.secrets.purgeDeletedSecret(n);
      return blob;
    },
    act: (t, _n, blob) => t.secrets.restoreSecretBackup(blob),
  },

  "keys/create": { act: (t, n) => t.keys.createKey(n, "EC") },
  "keys/import": { act: (t, n) => t.keys.importKey(n, ecJwk()) },
  "keys/get": { setup: key, act: (t, n) => t.keys.getKey(n) },
  "keys/update": { setup: key, act: (t, n, k) => t.keys.updateKeyProperties(n, k.properties.version, { enabled: true }) },
  "keys/list": { act: (t) => firstPage(t.keys.listPropertiesOfKeys().byPage()) },
  "keys/listVersions": { setup: key, act: (t, n) => firstPage(t.keys.listPropertiesOfKeyVersions(n).byPage()) },
  "keys/delete": { setup: key, act: async (t, n) => (await t.keys.beginDeleteKey(n)).pollUntilDone() },
  "keys/listDeleted": { act: (t) => firstPage(t.keys.listDeletedKeys().byPage()) },
  "keys/getDeleted": { setup: deletedKey, act: (t, n) => t.keys.getDeletedKey(n) },
  "keys/recover": { setup: deletedKey, act: async (t, n) => (await t.keys.beginRecoverDeletedKey(n)).pollUntilDone() },
  "keys/purge": { setup: deletedKey, act: (t, n) => t.keys.purgeDeletedKey(n) },
  "keys/backup": { setup: key, act: (t, n) => t.keys.backupKey(n) },
  "keys/restore": {
    setup: async (a, n) => {
      await key(a, n);
      const blob = await a.keys.backupKey(n);
      await (await a.keys.beginDeleteKey(n)).pollUntilDone();
      await a.keys.purgeDeletedKey(n);
      return blob;
    },
    act: (t, _n, blob) => t.keys.restoreKeyBackup(blob),
  },
  // Symmetric and EC keys: the SDK never performs these locally, so each is one request to the server.
  "keys/encrypt": {
    setup: (a, n) => key(a, n, "oct"),
    act: (t, _n, k) => t.crypto(k.id).encrypt({ algorithm: "A256GCM", plaintext: randomBytes(16) }),
  },
  "keys/decrypt": {
    setup: async (a, n) => {
      const k = await key(a, n, "oct");
      return { k, sealed: await a.crypto(k.id!).encrypt({ algorithm: "A256GCM", plaintext: randomBytes(16) }) };
    },
    act: (t, _n, { k, sealed }) =>
      t
        .crypto(k.id)
        .decrypt({ algorithm: "A256GCM", ciphertext: sealed.result, iv: sealed.iv, authenticationTag: sealed.authenticationTag }),
  },
  "keys/wrapKey": { setup: (a, n) => key(a, n, "oct"), act: (t, _n, k) => t.crypto(k.id).wrapKey("A256KW", randomBytes(32)) },
  "keys/unwrapKey": {
    setup: async (a, n) => {
      const k = await key(a, n, "oct");
      return { k, wrapped: await a.crypto(k.id!).wrapKey("A256KW", randomBytes(32)) };
    },
    act: (t, _n, { k, wrapped }) => t.crypto(k.id).unwrapKey("A256KW", wrapped.result),
  },
  "keys/sign": { setup: key, act: (t, _n, k) => t.crypto(k.id).sign("ES256", digest) },
  "keys/verify": {
    setup: async (a, n) => {
      const k = await key(a, n);
      return { k, signature: (await a.crypto(k.id!).sign("ES256", digest)).result };
    },
    act: (t, _n, { k, signature }) => t.crypto(k.id).verify("ES256", digest, signature),
  },
  "keys/rotate": { setup: key, act: (t, n) => t.keys.rotateKey(n) },
  "keys/getRotationPolicy": { setup: key, act: (t, n) => t.keys.getKeyRotationPolicy(n) },
  "keys/setRotationPolicy": { setup: key, act: (t, n) => t.keys.updateKeyRotationPolicy(n, rotationPolicy) },
  "keys/random": { act: (t) => t.keys.getRandomBytes(16) },

  // The create poller reads …/pending at once (certificates/get), so create alone is one request of its own.
  "certificates/create": {
    act: (t, n) =>
      t.cli.vaultCall(t.vault, "POST", `/certificates/${n}/create`, {
        policy: { issuer: { name: "Self" }, x509_props: { subject: "CN=m" } },
      }),
  },
  "certificates/get": { setup: certificate, act: (t, n) => t.certificates.getCertificate(n) },
  "certificates/update": { setup: certificate, act: (t, n) => t.certificates.updateCertificateProperties(n, "", { enabled: true }) },
  "certificates/list": { act: (t) => firstPage(t.certificates.listPropertiesOfCertificates().byPage()) },
  "certificates/listVersions": {
    setup: certificate,
    act: (t, n) => firstPage(t.certificates.listPropertiesOfCertificateVersions(n).byPage()),
  },
  "certificates/delete": {
    setup: certificate,
    act: async (t, n) => (await t.certificates.beginDeleteCertificate(n, fast)).pollUntilDone(),
  },
  "certificates/listDeleted": { act: (t) => firstPage(t.certificates.listDeletedCertificates().byPage()) },
  "certificates/getDeleted": { setup: deletedCertificate, act: (t, n) => t.certificates.getDeletedCertificate(n) },
  "certificates/recover": {
    setup: deletedCertificate,
    act: async (t, n) => (await t.certificates.beginRecoverDeletedCertificate(n, fast)).pollUntilDone(),
  },
  "certificates/purge": { setup: deletedCertificate, act: (t, n) => t.certificates.purgeDeletedCertificate(n) },
  "certificates/getPolicy": { setup: certificate, act: (t, n) => t.certificates.getCertificatePolicy(n) },
  "certificates/updatePolicy": { setup: certificate, act: (t, n) => t.certificates.updateCertificatePolicy(n, DefaultCertificatePolicy) },
  "certificates/getOperation": { setup: certificate, act: (t, n) => t.certificates.getCertificateOperation(n) },
  "certificates/deleteOperation": { setup: certificate, act: (t, n) => t.certificates.deleteCertificateOperation(n) },
  "certificates/import": {
    setup: async (a, n) => {
      await certificate(a, `${n}src`);
      return Buffer.from((await a.secrets.getSecret(`${n}src`)).value!, "base64");
    },
    act: (t, n, pfx) => t.certificates.importCertificate(n, pfx),
  },
  "certificates/merge": {
    setup: async (a, n) => {
      const operation = await pendingCertificate(a, n);
      outsideCa ??= new OpensslCa();
      return new X509Certificate(outsideCa.sign(Buffer.from(operation.csr!).toString("base64"))).raw;
    },
    act: (t, n, der) => t.certificates.mergeCertificate(n, [der]),
  },
  "certificates/updateOperation": {
    setup: pendingCertificate,
    act: (t, n) => t.cli.vaultCall(t.vault, "PATCH", `/certificates/${n}/pending`, { cancellation_requested: true }),
  },
  "certificates/backup": { setup: certificate, act: (t, n) => t.certificates.backupCertificate(n) },
  "certificates/restore": {
    setup: async (a, n) => {
      await certificate(a, n);
      const blob = await a.certificates.backupCertificate(n);
      await (await a.certificates.beginDeleteCertificate(n, fast)).pollUntilDone();
      await a.certificates.purgeDeletedCertificate(n);
      return blob!;
    },
    act: (t, _n, blob) => t.certificates.restoreCertificateBackup(blob),
  },
  "certificates/setIssuer": { act: (t, n) => t.certificates.createIssuer(n, "Test") },
  "certificates/getIssuer": { setup: issuer, act: (t, n) => t.certificates.getIssuer(n) },
  "certificates/listIssuers": { act: (t) => firstPage(t.certificates.listPropertiesOfIssuers().byPage()) },
  "certificates/updateIssuer": { setup: issuer, act: (t, n) => t.certificates.updateIssuer(n, { provider: "Test2" }) },
  "certificates/deleteIssuer": { setup: issuer, act: (t, n) => t.certificates.deleteIssuer(n) },
  "certificates/setContacts": { act: (t, n) => t.certificates.setContacts([{ email: `${n}@contoso.com` }]) },
  "certificates/getContacts": { setup: contacts, act: (t) => t.certificates.getContacts() },
  "certificates/deleteContacts": { setup: contacts, act: (t) => t.certificates.deleteContacts() },
};

/** Operations the API refuses for everyone (release needs exportable keys); nothing to grant there. */
const NOT_SUPPORTED: Operation[] = ["keys/release"];

function clients(server: DevServer, vault: string, principal: TestPrincipal | null): Clients {
  const credential = principal?.credential ?? devCredential(server);
  const url = `https://${vault}.vault.azure.net`;
  const env = principal ? { ...server.env, AZURE_CLIENT_ID: principal.clientId, AZURE_CLIENT_SECRET: principal.clientSecret } : server.env;
  return {
    cli: new KeyholdClient(env),
    vault,
    secrets: principal ? principal.secrets(vault) : new AdminSecretClient(url, credential, viaDevProxy(server)),
    keys: principal ? principal.keys(vault) : new AdminKeyClient(url, credential, viaDevProxy(server)),
    crypto: (keyId) => new CryptographyClient(keyId, credential, viaDevProxy(server)),
    certificates: new CertificateClient(url, credential, viaDevProxy(server)),
  };
}

async function expectForbidden(run: Promise<unknown>, innerCode: string, label: string): Promise<void> {
  await assert.rejects(run, (error: any) => {
    assert.equal(error.statusCode, 403, `${label}: ${error.message}`);
    assert.equal(error.code, "Forbidden", label);
    // The SDK deserialises Azure's `innererror` as `innerError`; its pager drops the body (raw check below).
    if (!/^Pagination failed/.test(error.message))
      assert.equal(error.innerCode ?? error.details?.error?.innerError?.code, innerCode, label);
    return true;
  });
}

describe("authorization matrix through the official SDK clients", { concurrency: false }, () => {
  let server: DevServer;
  let admin: ReturnType<typeof adminApi>;
  let tester: TestPrincipal;

  before(async () => {
    server = await startDevServer();
    admin = adminApi(server);
    tester = await newPrincipal(server, "matrix-tester");
    await admin("PUT", "/keyhold/vaults/matrix-rbac", { enableRbacAuthorization: true });
    await admin("PUT", "/keyhold/vaults/matrix-policy", { enableRbacAuthorization: false });
  });
  after(async () => {
    await server.stop();
    outsideCa?.close();
  });

  it("has a case for every operation a route performs", () => {
    const covered = new Set([...Object.keys(CASES), ...NOT_SUPPORTED]);
    assert.deepEqual(
      Object.keys(OPERATIONS).filter((op) => !covered.has(op)),
      [],
    );
  });

  async function run(
    vault: string,
    operation: Operation,
    round: string,
    grant: () => Promise<() => Promise<void>>,
    expect: string,
  ): Promise<void> {
    const c = CASES[operation]!;
    const name = `m-${operation.replace(/[^a-z]/gi, "")}-${round}`.toLowerCase();
    const prepared = c.setup ? await c.setup(clients(server, vault, null), name) : undefined;
    const revoke = await grant();
    try {
      const act = c.act(clients(server, vault, tester), name, prepared);
      if (expect === "allowed") await act;
      else await expectForbidden(act, expect, `${vault} ${operation} without its permission`);
    } finally {
      await revoke();
    }
  }

  it("access policies: exactly the permission allows, every other permission does not", async () => {
    for (const operation of Object.keys(CASES) as Operation[]) {
      const { category, permission, broaderPermission } = OPERATIONS[operation];
      const setPolicy = (permissions: Record<string, string[]>) => async () => {
        await admin("PUT", `/keyhold/vaults/matrix-policy/accessPolicies/${tester.clientId}`, { permissions });
        return async () => admin("DELETE", `/keyhold/vaults/matrix-policy/accessPolicies/${tester.clientId}`);
      };
      await run("matrix-policy", operation, "p1", setPolicy({ [category]: [permission] }), "allowed");
      const allBut = { keys: [...PERMISSIONS.keys], secrets: [...PERMISSIONS.secrets], certificates: [...PERMISSIONS.certificates] };
      allBut[category] = allBut[category].filter((p) => p !== permission && p !== broaderPermission);
      await run("matrix-policy", operation, "p2", setPolicy(allBut), "ForbiddenByPolicy");
      if (broaderPermission) await run("matrix-policy", operation, "p3", setPolicy({ [category]: [broaderPermission] }), "allowed");
    }
  });

  it("RBAC: a role with exactly the data action allows, a role with every other data action does not", async () => {
    let n = 0;
    for (const operation of Object.keys(CASES) as Operation[]) {
      const { dataAction } = OPERATIONS[operation];
      const withRole = (permissions: { dataActions: string[]; notDataActions?: string[] }) => async () => {
        const role = await admin<{ name: string }>("POST", "/keyhold/roleDefinitions", { roleName: `matrix role ${n++}`, permissions });
        const assignment = await admin<{ name: string }>("POST", "/keyhold/roleAssignments", {
          principalId: tester.clientId,
          role: role.name,
          scope: "/vaults/matrix-rbac",
        });
        return async () => {
          await admin("DELETE", `/keyhold/roleAssignments/${assignment.name}`);
          await admin("DELETE", `/keyhold/roleDefinitions/${role.name}`);
        };
      };
      await run("matrix-rbac", operation, "r1", withRole({ dataActions: [dataAction] }), "allowed");
      await run(
        "matrix-rbac",
        operation,
        "r2",
        withRole({ dataActions: ["Microsoft.KeyVault/vaults/*"], notDataActions: [dataAction] }),
        "ForbiddenByRbac",
      );
    }
  });
});
