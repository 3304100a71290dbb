import assert from "node:assert/strict";
import { connect } from "node:tls";
import { after, before, describe, it } from "node:test";
import { type DevServer, startDevServer } from "../support/dev-server.js";

/** Completes a handshake with the given offer and answers the negotiated suite, or the handshake's error. */
function handshake(port: number, options: { ciphers?: string; maxVersion?: "TLSv1.2" }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "localhost", port, servername: "localhost", ...options }, () => {
      resolve(socket.getCipher().name);
      socket.end();
    });
    socket.once("error", (error) => resolve(`refused: ${error.message}`));
  });
}

describe("the TLS listener", () => {
  let server: DevServer;
  before(async () => {
    server = await startDevServer();
  });
  after(async () => {
    await server.stop();
  });

  it("offers AEAD suites only: CBC with SHA-1 or SHA-2 and CCM8 are refused on TLS 1.2", async () => {
    for (const ciphers of ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-CCM8", "ECDHE-ECDSA-AES128-SHA256"]) {
      assert.match(await handshake(server.port, { ciphers, maxVersion: "TLSv1.2" }), /^refused/, ciphers);
    }
    assert.equal(
      await handshake(server.port, { ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256", maxVersion: "TLSv1.2" }),
      "ECDHE-ECDSA-AES128-GCM-SHA256",
    );
    assert.equal(
      await handshake(server.port, { ciphers: "ECDHE-ECDSA-CHACHA20-POLY1305", maxVersion: "TLSv1.2" }),
      "ECDHE-ECDSA-CHACHA20-POLY1305",
    );
    assert.match(await handshake(server.port, {}), /^TLS_(AES_\d+_GCM|CHACHA20_POLY1305)_SHA\d+$/);
  });
});
