import { type KeyObject, X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { badParameter } from "../../errors/key-vault-error.js";
import type { CertificateIssuer, CertificateOptions } from "./certificate-builder.js";
import { samePublicKey } from "./spki.js";
import type { CertificateSigner } from "./signer.js";

/** What a leaf certificate says about its subject: everything but its issuer, which is the authority. */
export type LeafCertificateOptions = Omit<CertificateOptions, "issuer" | "ca" | "pathLength">;

/**
 * EC P-384 rather than RSA-3072: the same strength class, a key made in a millisecond at a server's first start (an
 * RSA-3072 key can take a second), and short signatures on every certificate; every TLS stack in use verifies
 * ECDSA P-384 with SHA-384 (CA/Browser Forum baseline requirements allow it for roots).
 */
const CA_CURVE = "P-384";
const CA_SIGNATURE_ALGORITHM = "ES384";
const CA_VALIDITY_YEARS = 10;
/** Backdated a day, so a client whose clock is a little behind already accepts it (as the dev CA is). */
const BACKDATE_MS = 86_400_000;

/**
 * The certificate builder and its ASN.1 libraries take a few hundred milliseconds to load: a server loads them when it
 * first signs, not when it opens its authority at start.
 */
const builder = () => import("./certificate-builder.js");

function signerWith(privateKey: KeyObject): CertificateSigner {
  return {
    algorithm: CA_SIGNATURE_ALGORITHM,
    // JWS form (R‖S), as CertificateSigner signers answer; the builder turns it into X.509's DER.
    sign: async (tbsDer) => sign("sha384", tbsDer, { key: privateKey, dsaEncoding: "ieee-p1363" }),
  };
}

/**
 * A certificate authority: its private key and its self-signed certificate. It issues leaf certificates and never
 * hands out its key: what leaves this object is certificates.
 */
export class CertificateAuthority {
  readonly #signer: CertificateSigner;
  readonly #certificate: X509Certificate;
  readonly #der: Buffer;
  /** The issuer's name and key identifier as leaves carry them, read from the certificate at the first signature. */
  #issuer: CertificateIssuer | null = null;
  readonly #notAfter: Date;

  constructor(privateKey: KeyObject, certificateDer: Buffer) {
    this.#certificate = new X509Certificate(certificateDer);
    if (!this.#certificate.ca || !samePublicKey(this.#certificate.publicKey, privateKey)) {
      throw new Error("the certificate authority's certificate is not a CA certificate of its key");
    }
    this.#signer = signerWith(privateKey);
    this.#der = Buffer.from(certificateDer);
    this.#notAfter = new Date(this.#certificate.validTo);
  }

  get publicKey(): KeyObject {
    return this.#certificate.publicKey;
  }

  /** The end of the authority's own validity: no certificate it issues outlives it. */
  get notAfter(): Date {
    return new Date(this.#notAfter);
  }

  certificateDer(): Buffer {
    return Buffer.from(this.#der);
  }

  certificatePem(): string {
    return this.#certificate.toString();
  }

  /**
   * Issues an end-entity certificate (never a CA: the authority's path length is 0) and returns its DER. Its
   * notAfter is brought back to the authority's, since clients refuse a certificate beyond its issuer's validity.
   */
  async sign(leaf: LeafCertificateOptions): Promise<Buffer> {
    if (leaf.notBefore.getTime() >= this.#notAfter.getTime()) {
      throw badParameter("The Keyhold certificate authority expires before the certificate's validity would begin.");
    }
    const notAfter = leaf.notAfter.getTime() > this.#notAfter.getTime() ? this.notAfter : leaf.notAfter;
    const { buildCertificate, issuerOf } = await builder();
    this.#issuer ??= issuerOf(this.#der);
    const options: CertificateOptions = {
      subject: leaf.subject,
      publicKey: leaf.publicKey,
      notBefore: leaf.notBefore,
      notAfter,
      issuer: this.#issuer,
      ...(leaf.subjectAlternativeNames && { subjectAlternativeNames: leaf.subjectAlternativeNames }),
      ...(leaf.keyUsage && { keyUsage: leaf.keyUsage }),
      ...(leaf.extendedKeyUsage && { extendedKeyUsage: leaf.extendedKeyUsage }),
    };
    return await buildCertificate(options, this.#signer);
  }
}

/** A new authority and its key and certificate as PEM (PKCS #8 key, then certificate): what is to be kept, sealed. */
export interface NewCertificateAuthority {
  authority: CertificateAuthority;
  pem: string;
}

/**
 * Makes a new authority valid for ten years from `now`: a fresh key and a self-signed certificate with cA true and
 * path length 0 (it signs leaves only), key usage keyCertSign and cRLSign. A random suffix in the common name tells
 * one deployment's authority from another's in a trust store, where two roots of one name confuse chain building.
 */
export async function createCertificateAuthority(now: Date): Promise<NewCertificateAuthority> {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: CA_CURVE });
  // Whole seconds, as X.509 keeps them, so that the notAfter leaves are held to is exactly the one written.
  const start = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(start);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const { buildCertificate } = await builder();
  const der = await buildCertificate(
    {
      subject: `CN=Keyhold Certificate Authority ${randomBytes(4).toString("hex")}, O=Keyhold`,
      publicKey: privateKey,
      notBefore: new Date(start.getTime() - BACKDATE_MS),
      notAfter,
      issuer: { self: true },
      ca: true,
      pathLength: 0,
      keyUsage: ["keyCertSign", "cRLSign"],
    },
    signerWith(privateKey),
  );
  const authority = new CertificateAuthority(privateKey, der);
  return { authority, pem: privateKey.export({ format: "pem", type: "pkcs8" }).toString() + authority.certificatePem() };
}

const PEM_PRIVATE_KEY = /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/;

/** The authority kept as `createCertificateAuthority`'s PEM. Errors name no part of the key. */
export function openCertificateAuthority(pem: string): CertificateAuthority {
  const keyPem = PEM_PRIVATE_KEY.exec(pem)?.[0];
  const certificatePem = PEM_CERTIFICATE.exec(pem)?.[0];
  if (!keyPem || !certificatePem) throw new Error("the stored certificate authority is incomplete");
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: keyPem, format: "pem" });
  } catch {
    throw new Error("the stored certificate authority's key could not be read");
  }
  return new CertificateAuthority(privateKey, new X509Certificate(certificatePem).raw);
}
