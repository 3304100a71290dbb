import "reflect-metadata";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { KeyObject, createPrivateKey, webcrypto } from "node:crypto";
import type { AddressInfo } from "node:net";
import { checkServerIdentity, connect, createServer } from "node:tls";
import { before, describe, it } from "node:test";
import * as x509 from "@peculiar/x509";
import { createDevCa, issueServerCertificate, type PemPair } from "../../src/crypto/dev-certificates.js";
import {
  NAME_CONSTRAINTS_OID,
  devCaNameConstraints,
  hasDevCaNameConstraints,
  readNameConstraints,
} from "../../src/crypto/dev-name-constraints.js";
import { createUnconstrainedDevCa } from "../support/legacy-dev-ca.js";

/** OpenSSL's X509_V_ERR_PERMITTED_VIOLATION, as node:tls reports it (its code reads UNSPECIFIED). */
const NAME_CONSTRAINT_ERROR = "permitted subtree violation";

/**
 * Serves `leaf` on a throw-away TLS server and connects to it trusting only `ca`: "ok", or the message of the
 * error that ended the handshake. A DNS `name` is sent as the server name and checked; an IP address is
 * checked as the host connected to.
 */
async function handshake(ca: string, leaf: PemPair, name: string): Promise<string> {
  const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => socket.end());
  server.on("tlsClientError", () => {});
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as AddressInfo).port;
  const isIp = /^[\d.]+$|:/.test(name);
  try {
    return await new Promise<string>((resolve) => {
      const options = { host: "127.0.0.1", port, ca, ...(isIp ? {} : { servername: name }) };
      const socket = connect({ ...options, checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert) }, () => {
        resolve("ok");
        socket.destroy();
      });
      socket.once("error", (error) => resolve(error.message));
    });
  } finally {
    server.close();
  }
}

/** A leaf with no subjectAltName at all, only CN: OpenSSL then checks the CN against the constraints. */
async function commonNameOnlyLeaf(ca: PemPair, commonName: string): Promise<PemPair> {
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKeyDer = createPrivateKey(ca.keyPem).export({ format: "der", type: "pkcs8" });
  const caKey = await webcrypto.subtle.importKey("pkcs8", caKeyDer, algorithm, false, ["sign"]);
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: "0badc0de01",
    subject: `CN=${commonName}`,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const keyPem = KeyObject.from(keys.privateKey).export({ format: "pem", type: "pkcs8" }).toString();
  return { certPem: cert.toString("pem"), keyPem };
}

describe("the dev CA's name constraints", () => {
  let ca: PemPair;
  before(async () => {
    ca = await createDevCa();
  });

  it("carries a critical Name Constraints extension permitting only dev mode's names", () => {
    const constraints = readNameConstraints(ca.certPem);
    assert.ok(constraints, "no Name Constraints extension");
    assert.equal(constraints.critical, true);
    assert.ok(hasDevCaNameConstraints(ca.certPem));
    const openssl = spawnSync("openssl", ["x509", "-noout", "-ext", "nameConstraints"], { input: ca.certPem, encoding: "utf8" });
    if (openssl.status === 0) {
      // OpenSSL's own reading of the extension, independent of the encoder under test.
      const permitted = openssl.stdout
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      assert.deepEqual(permitted, [
        "X509v3 Name Constraints: critical",
        "Permitted:",
        "DNS:localhost",
        "DNS:vault.azure.net",
        "IP:127.0.0.0/255.0.0.0",
        "IP:0:0:0:0:0:0:0:1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF",
      ]);
    }
  });

  it("tells an old CA without constraints (or with other ones) from a current one", async () => {
    assert.equal(hasDevCaNameConstraints((await createUnconstrainedDevCa()).certPem), false);
    const notCritical = await createUnconstrainedDevCa([
      new x509.Extension(NAME_CONSTRAINTS_OID, false, new Uint8Array(devCaNameConstraints())),
    ]);
    assert.equal(hasDevCaNameConstraints(notCritical.certPem), false);
    // NameConstraints { permittedSubtrees [0] { GeneralSubtree { dNSName "localhost" } } }: narrower than dev mode's.
    const localhostOnly = Buffer.from(`300fa00d300b8209${Buffer.from("localhost").toString("hex")}`, "hex");
    const otherConstraints = await createUnconstrainedDevCa([
      new x509.Extension(NAME_CONSTRAINTS_OID, true, new Uint8Array(localhostOnly)),
    ]);
    assert.equal(readNameConstraints(otherConstraints.certPem)?.critical, true);
    assert.equal(hasDevCaNameConstraints(otherConstraints.certPem), false);
    assert.equal(hasDevCaNameConstraints("not a certificate"), false);
    assert.equal(hasDevCaNameConstraints(ca.certPem), true);
  });

  it("a certificate its key mints for login.microsoftonline.com fails verification with a name-constraint error", async () => {
    const forged = await issueServerCertificate(ca, ["login.microsoftonline.com"], []);
    assert.equal(await handshake(ca.certPem, forged, "login.microsoftonline.com"), NAME_CONSTRAINT_ERROR);
    // Hiding the forbidden name among permitted ones does not help: every name must be permitted.
    const mixed = await issueServerCertificate(ca, ["localhost", "login.microsoftonline.com"], ["127.0.0.1"]);
    assert.equal(await handshake(ca.certPem, mixed, "localhost"), NAME_CONSTRAINT_ERROR);
    // Nor does leaving the name out of subjectAltName: OpenSSL then checks the CN.
    const cnOnly = await commonNameOnlyLeaf(ca, "login.microsoftonline.com");
    assert.equal(await handshake(ca.certPem, cnOnly, "login.microsoftonline.com"), NAME_CONSTRAINT_ERROR);
    // Nor does an address outside loopback, or a look-alike of a permitted domain.
    const lan = await issueServerCertificate(ca, ["localhost"], ["10.0.0.1"]);
    assert.equal(await handshake(ca.certPem, lan, "10.0.0.1"), NAME_CONSTRAINT_ERROR);
    const lookalike = await issueServerCertificate(ca, ["evilvault.azure.net"], []);
    assert.equal(await handshake(ca.certPem, lookalike, "evilvault.azure.net"), NAME_CONSTRAINT_ERROR);
  });

  it("before the constraints, the same forged certificate was accepted", async () => {
    const legacy = await createUnconstrainedDevCa();
    const forged = await issueServerCertificate(legacy, ["login.microsoftonline.com"], []);
    assert.equal(await handshake(legacy.certPem, forged, "login.microsoftonline.com"), "ok");
  });

  it("accepts every name the dev server's certificate carries", async () => {
    const server = await issueServerCertificate(ca, ["localhost", "*.vault.localhost", "*.vault.azure.net"], ["127.0.0.1", "::1"]);
    for (const name of ["localhost", "keyhold-dev.vault.azure.net", "keyhold-dev.vault.localhost", "127.0.0.1"]) {
      assert.equal(await handshake(ca.certPem, server, name), "ok", name);
    }
    const vault = await issueServerCertificate(ca, ["x.vault.azure.net"], []);
    assert.equal(await handshake(ca.certPem, vault, "x.vault.azure.net"), "ok");
    const local = await issueServerCertificate(ca, ["localhost"], []);
    assert.equal(await handshake(ca.certPem, local, "localhost"), "ok");
  });
});
