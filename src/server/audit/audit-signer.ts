import { type KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import type { Envelope } from "../../crypto/envelope.js";
import type { StoreOps } from "../../storage/store.js";
import type { ChainPosition } from "./audit-entry.js";

const META_KEY = "audit-signing-key";
const SEAL_CONTEXT = "meta/audit-signing-key";

/**
 * The Ed25519 key that signs the trail's checkpoints. A signature, unlike an HMAC, is checked with the public
 * key alone: whoever verifies a trail needs neither the master key nor the store. Made once, sealed under the
 * master key in the store, so every node of a deployment signs with the same key.
 */
export interface AuditSigner {
  keyId: string;
  publicKeyPem: string;
  sign(position: ChainPosition): string;
}

/** What a checkpoint signs: its own place in the chain, whose `prev` fixes every line before it. */
const signedText = (p: ChainPosition): Buffer => Buffer.from(`keyhold-audit-checkpoint\n${p.node}\n${p.seq}\n${p.time}\n${p.prev}`);

/** A short, stable name of a public key: the first 16 bytes of the SHA-256 of its SPKI, in hex. */
export function auditKeyId(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ format: "der", type: "spki" }))
    .digest("hex")
    .slice(0, 32);
}

export async function loadAuditSigner(store: Pick<StoreOps, "getMeta" | "initMeta">, envelope: Envelope): Promise<AuditSigner> {
  const fresh = () => generateKeyPairSync("ed25519").privateKey.export({ format: "der", type: "pkcs8" });
  // initMeta keeps whichever key was stored first, should two nodes start at once.
  const sealed = (await store.getMeta(META_KEY)) ?? (await store.initMeta(META_KEY, envelope.seal(fresh(), SEAL_CONTEXT)));
  const privateKey = createPrivateKey({ key: envelope.open(sealed, SEAL_CONTEXT), format: "der", type: "pkcs8" });
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: auditKeyId(publicKey),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    sign: (position) => sign(null, signedText(position), privateKey).toString("base64"),
  };
}

/** Whether a checkpoint's signature is good for its position under this public key. */
export function checkpointSignatureValid(publicKey: KeyObject, position: ChainPosition, signature: string): boolean {
  return verify(null, signedText(position), publicKey, Buffer.from(signature, "base64"));
}
