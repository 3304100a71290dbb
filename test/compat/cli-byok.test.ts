import assert from "node:assert/strict";
import { createHash, createPublicKey, createPrivateKey, generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeByokBlob } from "../support/byok-blob.js";
import { runKeyhold } from "../support/cli.js";
import { type DevServer, startDevServer, testRoot } from "../support/dev-server.js";
import { softHsmSkipReason } from "../support/softhsm.js";

/** `keyhold key import --byok-file`: a transfer blob made for the vault's key-exchange key lands in the dev server's SoftHSM2 token. */
describe("keyhold key import --byok-file", { skip: softHsmSkipReason() }, () => {
  let server: DevServer;
  let work: string;
  before(async () => {
    server = await startDevServer(undefined, ["--hsm", "softhsm"]);
    work = mkdtempSync(join(testRoot(), "cli-byok-"));
  });
  after(async () => {
    await server?.stop();
  });

  const keyhold = (args: string[]) => runKeyhold(server.env, args, work);
  const ok = (args: string[]): any => {
    const r = keyhold(args);
    assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const vault = () => ["--vault-name", server.env.KEY_VAULT_NAME!];

  it("imports an RSA key wrapped for the key-exchange key, which then signs as the original", async () => {
    const kek = ok(["key", "create", ...vault(), "-n", "cli-kek", "--kty", "RSA-HSM", "--size", "3072", "--ops", "import"]);
    assert.deepEqual(kek.key.key_ops, ["import"]);
    // A fresh object from DER: exporting the JWK of a key straight from generateKeyPairSync can hang Node 20 under GC.
    const made = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const target = createPrivateKey({ key: made.privateKey.export({ format: "der", type: "pkcs8" }), format: "der", type: "pkcs8" });
    const kekPublic = createPublicKey({ key: { kty: "RSA", n: kek.key.n, e: kek.key.e }, format: "jwk" });
    const blobFile = join(work, "target.byok");
    writeFileSync(blobFile, makeByokBlob(kekPublic, kek.key.kid, target));

    const imported = ok(["key", "import", ...vault(), "-n", "cli-brought", "--byok-file", blobFile, "--ops", "sign", "verify"]);
    assert.equal(imported.key.kty, "RSA-HSM");
    assert.equal(imported.key.n, createPublicKey(target).export({ format: "jwk" }).n, "the blob's key, not a new one");
    const digest = createHash("sha256").update("cli byok").digest();
    const signed = ok(["key", "sign", ...vault(), "-n", "cli-brought", "--algorithm", "RS256", "--digest", digest.toString("base64")]);
    assert.ok(verify("sha256", Buffer.from("cli byok"), createPublicKey(target), Buffer.from(signed.value, "base64")));
  });

  it("refuses two sources at once, and a blob that is not one, in one line each", () => {
    const blobFile = join(work, "garbage.byok");
    writeFileSync(blobFile, "not a blob");
    const both = keyhold(["key", "import", ...vault(), "-n", "x", "--byok-file", blobFile, "--pem-file", blobFile]);
    assert.equal(both.status, 1);
    assert.match(both.stderr, /exactly one of --pem-file, --jwk-file and --byok-file/);
    const garbage = keyhold(["key", "import", ...vault(), "-n", "x", "--byok-file", blobFile]);
    assert.equal(garbage.status, 1);
    assert.match(garbage.stderr, /key transfer blob \(key_hsm\) is not valid/);
    assert.equal(garbage.stderr.trim().split("\n").length, 1);
  });
});
