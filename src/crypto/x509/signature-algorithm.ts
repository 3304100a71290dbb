import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import {
  RsaSaPssParams,
  id_RSASSA_PSS,
  id_mgf1,
  id_sha256,
  id_sha256WithRSAEncryption,
  id_sha384,
  id_sha384WithRSAEncryption,
  id_sha512,
  id_sha512WithRSAEncryption,
} from "@peculiar/asn1-rsa";
import { Integer, Sequence } from "asn1js";
import { SIGNATURE_ALGORITHMS, type SignatureAlgorithm } from "../key-types.js";

/** RFC 5758 §3.2: ECDSA with SHA-2; the parameters field is absent. */
const ECDSA_WITH_SHA = { 32: "1.2.840.10045.4.3.2", 48: "1.2.840.10045.4.3.3", 64: "1.2.840.10045.4.3.4" } as const;
const RSA_WITH_SHA = { 32: id_sha256WithRSAEncryption, 48: id_sha384WithRSAEncryption, 64: id_sha512WithRSAEncryption } as const;
const SHA = { 32: id_sha256, 48: id_sha384, 64: id_sha512 } as const;

type DigestBytes = 32 | 48 | 64;

/** The node:crypto hash name of a signature algorithm. */
export function hashOf(alg: SignatureAlgorithm): "sha256" | "sha384" | "sha512" {
  const bytes = SIGNATURE_ALGORITHMS[alg].digestBytes;
  return bytes === 48 ? "sha384" : bytes === 64 ? "sha512" : "sha256";
}

/**
 * The signatureAlgorithm of a certificate or CSR signed with a Key Vault algorithm: RS* are sha*WithRSAEncryption
 * (RFC 4055 §5, NULL parameters); PS* are RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash, as
 * Key Vault's PS* signs (RFC 4055 §3.1); ES* (ES256K included) are ecdsa-with-SHA*.
 */
export function signatureAlgorithmIdentifier(alg: SignatureAlgorithm): AlgorithmIdentifier {
  const bytes = SIGNATURE_ALGORITHMS[alg].digestBytes as DigestBytes;
  if (alg.startsWith("ES")) return new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA[bytes] });
  if (alg.startsWith("RS")) return new AlgorithmIdentifier({ algorithm: RSA_WITH_SHA[bytes], parameters: null });
  const hashAlgorithm = new AlgorithmIdentifier({ algorithm: SHA[bytes], parameters: null });
  const params = new RsaSaPssParams({
    hashAlgorithm,
    maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: id_mgf1, parameters: AsnConvert.serialize(hashAlgorithm) }),
    saltLength: bytes,
  });
  return new AlgorithmIdentifier({ algorithm: id_RSASSA_PSS, parameters: AsnConvert.serialize(params) });
}

/**
 * X.509 wants an ECDSA signature as the DER ECDSA-Sig-Value of RFC 3279 §2.2.3; Key Vault's sign (and Keyhold's key
 * backends) return the JWS form R‖S (RFC 7518 §3.4). asn1js encodes each half as a minimal positive INTEGER.
 */
export function ecdsaJwsToDer(signature: Buffer): Buffer {
  if (signature.length === 0 || signature.length % 2 !== 0) throw new Error("ECDSA signature must be R‖S of equal halves");
  const half = signature.length / 2;
  const toInteger = (bytes: Buffer): Integer => Integer.fromBigInt(BigInt("0x" + bytes.toString("hex")));
  const sequence = new Sequence({ value: [toInteger(signature.subarray(0, half)), toInteger(signature.subarray(half))] });
  return Buffer.from(sequence.toBER());
}
