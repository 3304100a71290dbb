import { X509Certificate } from "node:crypto";
import { CliError } from "./cli-error.js";
import { readInputFile } from "./input-file.js";

/** Certificate files on the command line: what `import` and `pending merge` read and `download` writes. */

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** What an import sends: a PEM file as its text, a PFX (PKCS#12) as base64, each with its content type, as az does. */
export interface ImportedContent {
  value: string;
  contentType: "application/x-pem-file" | "application/x-pkcs12";
}

/** A PEM file (certificates, with the private key) or a PFX file; the key material is read, never shown. */
export function importedContent(path: string): ImportedContent {
  const bytes = readInputFile(path);
  const text = bytes.toString("latin1");
  if (text.includes("-----BEGIN CERTIFICATE-----")) {
    // A text file, as az sends it: line ends as on Unix.
    return { value: bytes.toString("utf8").replace(/\r\n/g, "\n"), contentType: "application/x-pem-file" };
  }
  if (text.trimStart().startsWith("-----BEGIN ")) {
    throw new CliError("BadParameter", `${path} is PEM without a certificate: an import needs the certificate with its private key`);
  }
  return { value: bytes.toString("base64"), contentType: "application/x-pkcs12" };
}

function certificateDer(der: Buffer, path: string): Buffer {
  try {
    return Buffer.from(new X509Certificate(der).raw);
  } catch {
    throw new CliError("BadParameter", `${path} holds no X.509 certificate (PEM or DER)`);
  }
}

/** A merge's `x5c`: each certificate of a PEM chain (leaf first, as the file gives them), or one DER certificate, in base64. */
export function certificateChain(path: string): string[] {
  const bytes = readInputFile(path);
  const blocks = bytes.toString("latin1").match(PEM_CERTIFICATE);
  const ders = blocks ? blocks.map((block) => Buffer.from(block.replace(/-----[A-Z ]+-----|\s+/g, ""), "base64")) : [bytes];
  return ders.map((der) => certificateDer(der, path).toString("base64"));
}

/** The public certificate (a bundle's `cer`, base64 DER) as a file's bytes: DER, or PEM as az writes it. */
export function certificateFile(cer: string, encoding: "PEM" | "DER"): Buffer {
  const der = Buffer.from(cer, "base64");
  return encoding === "DER" ? der : Buffer.from(new X509Certificate(der).toString());
}
