import { type KeyObject, createPrivateKey } from "node:crypto";
import { badParameter } from "../../errors/key-vault-error.js";
import { chainForKey, parseCertificates, type CertificateChain } from "./certificate-chain.js";

/** An imported PEM certificate: its private key and its chain, leaf first. */
export interface PemBundle extends CertificateChain {
  privateKey: KeyObject;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
/** PKCS #8, PKCS #1 (RSA) and SEC1 (EC) private keys, all of which node:crypto reads. */
const PRIVATE_KEY_LABELS = new Set(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]);

/**
 * Parses Key Vault's `application/x-pem-file` import: one unencrypted private key and its certificates in any
 * order. Encrypted keys are refused: Key Vault's PEM import takes no password.
 */
export function parsePemBundle(pem: string): PemBundle {
  const blocks = [...pem.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1]!, text: match[0] }));
  if (blocks.some((block) => block.label === "ENCRYPTED PRIVATE KEY" || /Proc-Type:\s*4,\s*ENCRYPTED/.test(block.text))) {
    throw badParameter("Encrypted private keys are not supported in PEM certificates; import an unencrypted key.");
  }
  const keys = blocks.filter((block) => PRIVATE_KEY_LABELS.has(block.label));
  if (keys.length === 0) throw badParameter("The PEM content does not contain a private key.");
  if (keys.length > 1) throw badParameter("The PEM content contains more than one private key.");
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: keys[0]!.text, format: "pem" });
  } catch {
    throw badParameter("The private key in the PEM content could not be parsed.");
  }
  const certificates = parseCertificates(
    blocks
      .filter((block) => block.label === "CERTIFICATE")
      .map((block) => block.text)
      .join("\n"),
  );
  return { privateKey, ...chainForKey(certificates, privateKey) };
}
