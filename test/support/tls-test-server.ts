import "reflect-metadata";
import { KeyObject, createPrivateKey, webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

/**
 * A server certificate signed by the run's test CA (which the test processes trust) but wrong in one way a client
 * must notice: issued for other names, or valid only in the past.
 */
async function issueWrongCertificate(dnsName: string, validDaysFromNow: [number, number]): Promise<{ cert: string; key: string }> {
  const caDir = process.env.KEYHOLD_TEST_CA_DIR!;
  const caCert = new x509.X509Certificate(readFileSync(join(caDir, "ca.pem"), "utf8"));
  const caKeyDer = createPrivateKey(readFileSync(join(caDir, "ca-key.pem"))).export({ format: "der", type: "pkcs8" });
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const caKey = await webcrypto.subtle.importKey("pkcs8", caKeyDer, ALGORITHM, false, ["sign"]);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: "0badce27",
    subject: `CN=${dnsName}`,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() + validDaysFromNow[0] * DAY_MS),
    notAfter: new Date(Date.now() + validDaysFromNow[1] * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: dnsName }]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  const key = KeyObject.from(keys.privateKey).export({ format: "pem", type: "pkcs8" }).toString();
  return { cert: cert.toString("pem"), key };
}

export interface WrongTlsServer {
  url: string;
  close(): Promise<void>;
}

/** An HTTPS server on localhost whose certificate names another host, or has expired. */
export async function startWrongTlsServer(wrong: "name" | "expired"): Promise<WrongTlsServer> {
  const { cert, key } =
    wrong === "name"
      ? await issueWrongCertificate("elsewhere.vault.azure.net", [-1, 30])
      : await issueWrongCertificate("localhost", [-30, -1]);
  const server = createServer({ cert, key }, (_req, res) => res.end("{}"));
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
