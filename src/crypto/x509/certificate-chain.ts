import { type KeyObject, X509Certificate } from "node:crypto";
import { badParameter } from "../../errors/key-vault-error.js";
import { samePublicKey } from "./spki.js";

/** A leaf certificate and the certificates that issued it, nearest issuer first. */
export interface CertificateChain {
  leaf: X509Certificate;
  chain: X509Certificate[];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Certificates from PEM text (any number of CERTIFICATE blocks) or from DER buffers (a merge's x5c). */
export function parseCertificates(input: string | readonly Buffer[]): X509Certificate[] {
  const items = typeof input === "string" ? (input.match(PEM_CERTIFICATE) ?? []) : input;
  if (items.length === 0) throw badParameter("No certificate was found.");
  return items.map((item) => {
    try {
      return new X509Certificate(item);
    } catch {
      throw badParameter("A certificate could not be parsed.");
    }
  });
}

/**
 * Picks out the leaf as the certificate whose public key is `publicKey` (certificates may come in any order), and
 * orders the rest from the leaf up by who issued whom (names, key identifiers and the signature); certificates
 * that do not link are kept, at the end.
 */
export function chainForKey(certificates: readonly X509Certificate[], publicKey: KeyObject | Buffer): CertificateChain {
  const leaf = certificates.find((certificate) => samePublicKey(certificate.publicKey, publicKey));
  if (!leaf) throw badParameter("The public key of the certificate does not match the certificate's key.");
  const rest = certificates.filter((certificate) => certificate !== leaf);
  const chain: X509Certificate[] = [];
  let current = leaf;
  for (;;) {
    const issuer = rest.find(
      (candidate) =>
        !chain.includes(candidate) && candidate !== current && current.checkIssued(candidate) && current.verify(candidate.publicKey),
    );
    if (!issuer) break;
    chain.push(issuer);
    current = issuer;
  }
  return { leaf, chain: [...chain, ...rest.filter((certificate) => !chain.includes(certificate))] };
}
