/**
 * Bring-your-own-key transfer blobs (`.byok` files) made the way an HSM vendor's BYOK tool makes them for Azure Key
 * Vault (docs/byok.md), for the tests that import keys into a token. The target key is wrapped with
 * CKM_RSA_AES_KEY_WRAP, done here with node:crypto: a fresh AES-256 key encrypted to the key-exchange key (KEK) with
 * RSA-OAEP (SHA-1, MGF1-SHA-1), followed by the target key wrapped under that AES key (AES key wrap with padding,
 * RFC 5649).
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from "node:crypto";

/** The KEK's public part: a KeyObject, or its JWK (n and e in base64url, or as bytes as the Azure SDK returns them). */
export type KekPublicKey = KeyObject | { n?: string | Uint8Array; e?: string | Uint8Array };

/** RFC 5649 §3: the alternative initial value's constant half (the other half is the plaintext's length). */
const KWP_IV = Buffer.from("a65959a6", "hex");
const KWP_CIPHER = "id-aes256-wrap-pad";
const ENCRYPTION = "CKM_RSA_AES_KEY_WRAP";

const kekPublicKeyObject = (kek: KekPublicKey): KeyObject => {
  if (kek instanceof KeyObject) return kek;
  const part = (value: string | Uint8Array | undefined): string =>
    typeof value === "string" ? value : Buffer.from(value ?? []).toString("base64url");
  return createPublicKey({ key: { kty: "RSA", n: part(kek.n), e: part(kek.e) }, format: "jwk" });
};

/** What a token unwraps: PKCS #8 PrivateKeyInfo (DER) for RSA and EC keys, the raw bytes for a symmetric key. */
const targetPlaintext = (target: KeyObject): Buffer =>
  target.type === "secret" ? target.export() : target.export({ type: "pkcs8", format: "der" });

/**
 * The `.byok` file (UTF-8 JSON) that carries `target` wrapped for the KEK whose identifier is `kekKid`
 * (https://{vault}/keys/{name}/{version}). An import sends it base64url-encoded as the JWK's `key_hsm`.
 */
export function makeByokBlob(kekPublicKey: KekPublicKey, kekKid: string, target: KeyObject): Buffer {
  const aesKey = randomBytes(32);
  const encryptedAesKey = publicEncrypt(
    { key: kekPublicKeyObject(kekPublicKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
    aesKey,
  );
  const wrap = createCipheriv(KWP_CIPHER, aesKey, KWP_IV);
  const wrappedKey = Buffer.concat([wrap.update(targetPlaintext(target)), wrap.final()]);
  const blob = {
    schema_version: "1.0.0",
    header: { kid: kekKid, alg: "dir", enc: ENCRYPTION },
    ciphertext: Buffer.concat([encryptedAesKey, wrappedKey]).toString("base64url"),
    generator: "keyhold test support; node:crypto (OpenSSL)",
  };
  return Buffer.from(JSON.stringify(blob), "utf8");
}

/**
 * The reverse, in software with the KEK's private key, only to show that a blob round-trips: the target key's
 * plaintext (PKCS #8 DER, or a symmetric key's bytes). A token does the same with two C_UnwrapKey calls.
 */
export function unwrapByokBlobInSoftware(blob: Buffer, kekPrivateKey: KeyObject): Buffer {
  const { header, ciphertext } = JSON.parse(blob.toString("utf8")) as { header: { enc: string }; ciphertext: string };
  if (header.enc !== ENCRYPTION) throw new Error(`not a ${ENCRYPTION} blob`);
  const bytes = Buffer.from(ciphertext, "base64url");
  const modulusBytes = Math.ceil(kekPrivateKey.asymmetricKeyDetails!.modulusLength! / 8);
  const aesKey = privateDecrypt(
    { key: kekPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
    bytes.subarray(0, modulusBytes),
  );
  const unwrap = createDecipheriv(KWP_CIPHER, aesKey, KWP_IV);
  return Buffer.concat([unwrap.update(bytes.subarray(modulusBytes)), unwrap.final()]);
}
