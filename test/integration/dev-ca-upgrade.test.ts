import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";
import { describe, it } from "node:test";
import { issueServerCertificate } from "../../src/crypto/dev-certificates.js";
import { hasDevCaNameConstraints } from "../../src/crypto/dev-name-constraints.js";
import { startDevServer, testRoot } from "../support/dev-server.js";
import { createUnconstrainedDevCa } from "../support/legacy-dev-ca.js";

const REPLACED = /replaced the dev CA .*ca\.pem/g;

/** A TLS handshake with the dev server trusting only `ca`, for a vault host name: "ok" or the error's message. */
function handshake(port: number, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, ca, servername: "keyhold-dev.vault.azure.net" }, () => {
      resolve("ok");
      socket.destroy();
    });
    socket.once("error", (error) => resolve(error.message));
  });
}

describe("a dev data directory made before the dev CA had name constraints", () => {
  it("gets a constrained CA, a server certificate it signs and a new bundle at `keyhold dev` start, once", async () => {
    const dir = mkdtempSync(join(testRoot(), "old-ca-"));
    const old = await createUnconstrainedDevCa();
    const oldServer = await issueServerCertificate(old, ["localhost", "*.vault.localhost", "*.vault.azure.net"], ["127.0.0.1", "::1"]);
    writeFileSync(join(dir, "ca.pem"), old.certPem);
    writeFileSync(join(dir, "ca-key.pem"), old.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, "server.pem"), oldServer.certPem);
    writeFileSync(join(dir, "server-key.pem"), oldServer.keyPem, { mode: 0o600 });

    const first = await startDevServer(dir);
    let ca: string;
    try {
      assert.equal(first.output().match(REPLACED)?.length, 1, first.output());
      ca = readFileSync(join(dir, "ca.pem"), "utf8");
      assert.notEqual(ca, old.certPem);
      assert.ok(hasDevCaNameConstraints(ca));
      assert.notEqual(readFileSync(join(dir, "ca-key.pem"), "utf8"), old.keyPem);
      // NODE_EXTRA_CA_CERTS keeps its path; the server certificate and the bundle follow the new CA.
      assert.equal(first.env.NODE_EXTRA_CA_CERTS, join(dir, "ca.pem"));
      const server = new X509Certificate(readFileSync(join(dir, "server.pem"), "utf8"));
      assert.ok(server.verify(new X509Certificate(ca).publicKey), "server.pem is not signed by the new CA");
      const bundle = readFileSync(join(dir, "ca-bundle.pem"), "utf8");
      assert.ok(bundle.includes(ca.trim()), "ca-bundle.pem lacks the new CA");
      assert.ok(!bundle.includes(old.certPem.trim()), "ca-bundle.pem still holds the old CA");
      assert.equal(await handshake(first.port, ca), "ok");
      assert.notEqual(await handshake(first.port, old.certPem), "ok", "the server still presents a certificate of the old CA");
    } finally {
      await first.stop();
    }

    const second = await startDevServer(dir);
    try {
      assert.doesNotMatch(second.output(), REPLACED);
      assert.equal(readFileSync(join(dir, "ca.pem"), "utf8"), ca);
    } finally {
      await second.stop();
    }
  });

  it("keeps a current CA: the run's test CA copied into a new data directory is not replaced", async () => {
    const server = await startDevServer();
    try {
      assert.doesNotMatch(server.output(), REPLACED);
      const testCa = readFileSync(join(process.env.KEYHOLD_TEST_CA_DIR!, "ca.pem"), "utf8");
      assert.equal(readFileSync(join(server.dir, "ca.pem"), "utf8"), testCa);
      assert.equal(await handshake(server.port, testCa), "ok");
    } finally {
      await server.stop();
    }
  });
});
