import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CERTIFICATES_MAX, checkImportedCertificateCount, checkMergedCertificateCount } from "../../src/vault/certificate-count.js";

const block = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const pem = (count: number) => block.repeat(count);
const refused = {
  status: 400,
  code: "BadParameter",
  message: new RegExp(`holds ${CERTIFICATES_MAX + 1} certificates, more than the ${CERTIFICATES_MAX}`),
};

/** Counted before anything is parsed: the blocks here are not certificates at all. */
describe("the certificates one import or merge may carry", () => {
  it("takes a PEM import of up to CERTIFICATES_MAX certificate blocks, and refuses one more", () => {
    assert.doesNotThrow(() =>
      checkImportedCertificateCount({ format: "pem", text: `-----BEGIN PRIVATE KEY-----\n${pem(CERTIFICATES_MAX)}` }),
    );
    assert.throws(() => checkImportedCertificateCount({ format: "pem", text: pem(CERTIFICATES_MAX + 1) }), refused);
  });

  it("leaves a PFX to be counted as it is parsed", () => {
    assert.doesNotThrow(() => checkImportedCertificateCount({ format: "pkcs12", der: Buffer.from(pem(CERTIFICATES_MAX + 1)) }));
  });

  it("counts a merge's x5c entries, a PEM entry by its blocks", () => {
    const der = Buffer.from([0x30, 0x82, 0x01, 0x00]);
    assert.doesNotThrow(() => checkMergedCertificateCount(Array.from({ length: CERTIFICATES_MAX }, () => der)));
    assert.throws(() => checkMergedCertificateCount(Array.from({ length: CERTIFICATES_MAX + 1 }, () => der)), refused);
    assert.throws(() => checkMergedCertificateCount([der, Buffer.from(pem(CERTIFICATES_MAX))]), refused);
  });
});
