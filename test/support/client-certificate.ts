import { KeyObject, webcrypto } from "node:crypto";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

/** A self-signed RSA client certificate (one day) and its private key, as a principal's certificate credential. */
export async function makeClientCertificate(
  modulusLength = 2048,
  name = "CN=keyhold test client",
): Promise<{ certPem: string; privateKey: KeyObject; pem: string }> {
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength };
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: algorithm,
  });
  const privateKey = KeyObject.from(keys.privateKey);
  const certPem = cert.toString("pem");
  /** Certificate and key in one PEM, as ClientCertificateCredential takes them. */
  const pem = `${certPem}\n${privateKey.export({ format: "pem", type: "pkcs8" }).toString()}`;
  return { certPem, privateKey, pem };
}
