import { AsnConvert } from "@peculiar/asn1-schema";
import { Attributes, CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { Attribute, Extensions } from "@peculiar/asn1-x509";
import { parseDistinguishedName } from "./distinguished-name.js";
import { requestedExtensions } from "./extensions.js";
import type { CertificateRequestOptions } from "./certificate-builder.js";
import { parseSpki } from "./public-key.js";
import { spkiDer } from "./spki.js";
import { signatureAlgorithmIdentifier } from "./signature-algorithm.js";
import { signatureValue, type CertificateSigner } from "./signer.js";

/** PKCS #9 extensionRequest (RFC 2985 §5.4.2): the extensions the subject asks the CA to put in its certificate. */
const EXTENSION_REQUEST_OID = "1.2.840.113549.1.9.14";

/**
 * Builds a PKCS #10 certification request (RFC 2986) for the subject, its SANs, key usage and EKUs, signed by
 * `signer` with the subject's own key (proof of possession). Returns the CSR's DER.
 */
export async function buildCertificationRequest(options: CertificateRequestOptions, signer: CertificateSigner): Promise<Buffer> {
  const extensions = requestedExtensions(options);
  const attributes = new Attributes(
    extensions.length === 0
      ? []
      : [new Attribute({ type: EXTENSION_REQUEST_OID, values: [AsnConvert.serialize(new Extensions(extensions))] })],
  );
  const info = new CertificationRequestInfo({
    version: 0,
    subject: parseDistinguishedName(options.subject),
    subjectPKInfo: parseSpki(spkiDer(options.publicKey)),
    attributes,
  });
  const infoDer = Buffer.from(AsnConvert.serialize(info));
  const signatureBytes = await signatureValue(signer, infoDer);
  const request = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: signatureAlgorithmIdentifier(signer.algorithm),
    signature: new Uint8Array(signatureBytes).buffer,
  });
  return Buffer.from(AsnConvert.serialize(request));
}

/** The CSR as PEM, for `openssl req` and people; Key Vault's pending operation carries the bare base64 of the DER. */
export function certificationRequestPem(der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return ["-----BEGIN CERTIFICATE REQUEST-----", ...lines, "-----END CERTIFICATE REQUEST-----", ""].join("\n");
}
