import { type KeyObject, X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { buildCertificate, issuerOf } from "./x509/certificate-builder.js";
import type { CertificateSigner } from "./x509/signer.js";
import { NAME_CONSTRAINTS_OID, devCaNameConstraints } from "./dev-name-constraints.js";

export interface PemPair {
  certPem: string;
  keyPem: string;
}

const CURVE = "P-256";
const DAY_MS = 86_400_000;
/** X.509's serverAuth extended key usage. */
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

const newKey = (): KeyObject => generateKeyPairSync("ec", { namedCurve: CURVE }).privateKey;
const privateKeyPem = (key: KeyObject): string => key.export({ format: "pem", type: "pkcs8" }).toString();
const certificatePem = (der: Buffer): string => new X509Certificate(der).toString();

/** ECDSA P-256 with SHA-256, the signature in JWS form (R‖S) as CertificateSigner signers answer it. */
function signerWith(key: KeyObject): CertificateSigner {
  return { algorithm: "ES256", sign: async (tbsDer) => sign("sha256", tbsDer, { key, dsaEncoding: "ieee-p1363" }) };
}

/**
 * A development certificate authority (10 years), EC P-256. Never used in production mode. Its critical Name
 * Constraints limit it to the names dev mode serves (dev-name-constraints.ts), so its key cannot mint a
 * certificate that the clients trusting it would accept for any other host. Ten years because clients are told
 * to trust it (some import it into a system store) and every new CA means doing that again; the constraints,
 * not a short life, are what bound the damage of a leaked key.
 */
export async function createDevCa(): Promise<PemPair> {
  const key = newKey();
  const now = Date.now();
  const der = await buildCertificate(
    {
      subject: `CN=Keyhold Dev CA ${randomBytes(4).toString("hex")}, O=Keyhold development`,
      publicKey: key,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 3650 * DAY_MS),
      issuer: { self: true },
      ca: true,
      pathLength: 0,
      keyUsage: ["keyCertSign", "cRLSign"],
      encodedExtensions: [{ oid: NAME_CONSTRAINTS_OID, critical: true, der: devCaNameConstraints() }],
    },
    signerWith(key),
  );
  return { certPem: certificatePem(der), keyPem: privateKeyPem(key) };
}

/**
 * A TLS server certificate (1 year) for the given DNS names and IP addresses, signed by the dev CA. Verifiers
 * refuse it if any of its names lies outside the CA's name constraints.
 */
export async function issueServerCertificate(ca: PemPair, dnsNames: string[], ipAddresses: string[]): Promise<PemPair> {
  const key = newKey();
  const now = Date.now();
  const der = await buildCertificate(
    {
      subject: `CN=${dnsNames[0] ?? "localhost"}`,
      publicKey: key,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 365 * DAY_MS),
      issuer: issuerOf(new X509Certificate(ca.certPem).raw),
      keyUsage: ["digitalSignature"],
      extendedKeyUsage: [SERVER_AUTH],
      subjectAlternativeNames: { dnsNames, ipAddresses },
    },
    signerWith(createPrivateKey(ca.keyPem)),
  );
  return { certPem: certificatePem(der), keyPem: privateKeyPem(key) };
}
