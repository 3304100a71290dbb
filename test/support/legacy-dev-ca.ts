import "reflect-metadata";
import { KeyObject, randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { PemPair } from "../../src/crypto/dev-certificates.js";

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/**
 * A dev CA as `keyhold dev` made it before the CA had name constraints: a CA that can vouch for any name.
 * For tests of the upgrade (a data directory holding one gets a new CA) and as the "before" of the attack.
 * `extraExtensions` makes variants (constraints that are not critical, or not dev mode's).
 */
export async function createUnconstrainedDevCa(extraExtensions: x509.Extension[] = []): Promise<PemPair> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${randomBytes(15).toString("hex")}`,
    name: `CN=Keyhold Dev CA ${randomBytes(4).toString("hex")}, O=Keyhold development`,
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 3650 * 86_400_000),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ...extraExtensions,
    ],
  });
  const keyPem = KeyObject.from(keys.privateKey).export({ format: "pem", type: "pkcs8" }).toString();
  return { certPem: cert.toString("pem"), keyPem };
}
