import { createHash } from "node:crypto";
import type { SignatureAlgorithm } from "../key-types.js";
import { ecdsaJwsToDer, hashOf } from "./signature-algorithm.js";

/**
 * Signs a to-be-signed structure (TBSCertificate, CertificationRequestInfo) without holding the private key, so
 * that the key can stay where it lives: a key backend, an HSM. `sign` returns the signature as Key Vault's sign
 * does: for RSA the signature itself, for ES* the JWS form R‖S (the builders convert that to DER).
 */
export interface CertificateSigner {
  readonly algorithm: SignatureAlgorithm;
  sign(tbsDer: Buffer): Promise<Buffer>;
}

/** A signer over a sign-a-digest operation (Key Vault's `sign`, `KeyBackend.sign`): hashes the TBS with the alg's hash. */
export function digestSigner(algorithm: SignatureAlgorithm, signDigest: (digest: Buffer) => Promise<Buffer>): CertificateSigner {
  return {
    algorithm,
    sign: (tbsDer) => signDigest(createHash(hashOf(algorithm)).update(tbsDer).digest()),
  };
}

/** Runs the signer and returns the signature in the form X.509 and PKCS #10 carry it. */
export async function signatureValue(signer: CertificateSigner, tbsDer: Buffer): Promise<Buffer> {
  const signature = await signer.sign(tbsDer);
  return signer.algorithm.startsWith("ES") ? ecdsaJwsToDer(signature) : signature;
}
