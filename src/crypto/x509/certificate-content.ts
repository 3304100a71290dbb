import { type KeyObject, type X509Certificate, createPrivateKey } from "node:crypto";
import { badParameter } from "../../errors/key-vault-error.js";
import { chainForKey, parseCertificates } from "./certificate-chain.js";
import { parsePemBundle } from "./pem-bundle.js";
import { parsePkcs12 } from "./pkcs12.js";

/** A certificate with its private key, as an import carries it: the leaf, the rest of the chain nearest first. */
export interface CertificateWithKey {
  privateKey: KeyObject;
  leaf: X509Certificate;
  chain: X509Certificate[];
}

/**
 * An imported certificate as sent: PEM text (certificates and key) or the bytes of a PKCS#12 (PFX) file. The format
 * is told from the content, not from the policy's content type: the official clients send a PFX's base64 even when
 * the policy asks for PEM secrets, and Key Vault accepts that.
 */
export type CertificateContent = { format: "pem"; text: string } | { format: "pkcs12"; der: Buffer };

const PEM_MARKER = "-----BEGIN ";
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** Reads an import: its private key, the certificate of that key, and the rest of the chain. */
export async function readCertificateWithKey(content: CertificateContent, password: string | null): Promise<CertificateWithKey> {
  if (content.format === "pem") return parsePemBundle(content.text);
  const pfx = await parsePkcs12(content.der, password);
  const privateKey = createPrivateKey({ key: pfx.pkcs8, format: "der", type: "pkcs8" });
  const certificates = parseCertificates([pfx.certificate, ...pfx.chain]);
  return { privateKey, ...chainForKey(certificates, privateKey) };
}

/**
 * The certificates of a merge's `x5c`, each entry's bytes as sent (JSON carries them in base64): a DER certificate,
 * PEM text, or base64 DER text. The official clients pass on what users read from files, and Key Vault takes all three.
 */
export function certificatesFromX5c(entries: readonly Buffer[]): X509Certificate[] {
  if (entries.length === 0) throw badParameter("The parameter 'x5c' must hold at least one certificate.");
  return entries.flatMap((bytes) => {
    const text = bytes.toString("latin1");
    if (text.includes(PEM_MARKER)) return parseCertificates(text);
    if (bytes.length > 0 && BASE64.test(text)) return parseCertificates([Buffer.from(text, "base64")]);
    return parseCertificates([bytes]);
  });
}
