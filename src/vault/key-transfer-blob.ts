import { badParameter } from "../errors/key-vault-error.js";

/** A bring-your-own-key transfer blob, read: which key-exchange key it was wrapped for, and the wrapped key. */
export interface TransferBlob {
  kekName: string;
  /** Null when the blob names the key without a version: then its latest version. */
  kekVersion: string | null;
  ciphertext: Buffer;
}

const invalid = (detail: string) => badParameter(`The key transfer blob (key_hsm) is not valid: ${detail}.`);

/**
 * Reads a `.byok` file's JSON (docs/byok.md): `header.kid` names the key-exchange key, `header.enc` must be
 * CKM_RSA_AES_KEY_WRAP, and `ciphertext` holds the wrapped key in base64url.
 */
export function readTransferBlob(bytes: Buffer): TransferBlob {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw invalid("it is not a JSON document");
  }
  const blob = json as { header?: { kid?: unknown; enc?: unknown }; ciphertext?: unknown } | null;
  if (typeof blob !== "object" || blob === null || typeof blob.header !== "object" || blob.header === null) {
    throw invalid("it has no header");
  }
  const { kid, enc } = blob.header;
  if (enc !== "CKM_RSA_AES_KEY_WRAP") throw invalid("header.enc must be CKM_RSA_AES_KEY_WRAP");
  if (typeof blob.ciphertext !== "string" || !/^[A-Za-z0-9_=+/-]+$/.test(blob.ciphertext)) throw invalid("ciphertext must be base64url");
  const ciphertext = Buffer.from(blob.ciphertext, "base64url");
  const segments = typeof kid === "string" && URL.canParse(kid) ? new URL(kid).pathname.split("/").filter(Boolean) : [];
  if (segments[0] !== "keys" || segments.length < 2 || segments.length > 3) {
    throw invalid("header.kid must be the identifier of a key-exchange key in this vault (https://…/keys/NAME/VERSION)");
  }
  return { kekName: decodeURIComponent(segments[1]!), kekVersion: segments[2] ?? null, ciphertext };
}
