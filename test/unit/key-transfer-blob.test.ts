import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import { readTransferBlob } from "../../src/vault/key-transfer-blob.js";

const KID = "https://my-vault.vault.azure.net/keys/kek/0123456789abcdef0123456789abcdef";
const blob = (fields: Record<string, unknown>): Buffer =>
  Buffer.from(
    JSON.stringify({
      schema_version: "1.0.0",
      header: { kid: KID, alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP" },
      ciphertext: "AAEC",
      ...fields,
    }),
  );

/** Reading a `.byok` file: which key-exchange key it names, and every malformed blob refused with one 400. */
describe("key transfer blobs", () => {
  it("names the key-exchange key and its version, and decodes the ciphertext", () => {
    assert.deepEqual(readTransferBlob(blob({})), {
      kekName: "kek",
      kekVersion: "0123456789abcdef0123456789abcdef",
      ciphertext: Buffer.from([0, 1, 2]),
    });
    const latest = readTransferBlob(blob({ header: { kid: "https://my-vault.vault.azure.net/keys/kek", enc: "CKM_RSA_AES_KEY_WRAP" } }));
    assert.equal(latest.kekVersion, null, "no version: the latest");
  });

  for (const [what, bytes, reason] of [
    ["not JSON", Buffer.from("not a blob"), /it is not a JSON document/],
    ["JSON null", Buffer.from("null"), /it has no header/],
    ["no header", blob({ header: undefined }), /it has no header/],
    ["another wrapping", blob({ header: { kid: KID, enc: "RSA-OAEP" } }), /header.enc must be CKM_RSA_AES_KEY_WRAP/],
    ["a ciphertext that is not base64url", blob({ ciphertext: "not base64!" }), /ciphertext must be base64url/],
    ["no ciphertext", blob({ ciphertext: 7 }), /ciphertext must be base64url/],
    ["a kid that is no URL", blob({ header: { kid: "kek", enc: "CKM_RSA_AES_KEY_WRAP" } }), /header.kid must be the identifier/],
    ["a kid of a secret", blob({ header: { kid: "https://v.vault.azure.net/secrets/s", enc: "CKM_RSA_AES_KEY_WRAP" } }), /header.kid/],
    ["a kid too deep", blob({ header: { kid: `${KID}/extra`, enc: "CKM_RSA_AES_KEY_WRAP" } }), /header.kid/],
  ] as const) {
    it(`refuses ${what} with a 400 that says why`, () => {
      assert.throws(
        () => readTransferBlob(bytes),
        (error: unknown) =>
          error instanceof KeyVaultError &&
          error.status === 400 &&
          /^The key transfer blob \(key_hsm\) is not valid: /.test(error.message) &&
          reason.test(error.message),
      );
    });
  }
});
