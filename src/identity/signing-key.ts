import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import type { JWK } from "jose";
import { calculateJwkThumbprint } from "jose/jwk/thumbprint";
import type { Envelope } from "../crypto/envelope.js";
import type { StoreOps } from "../storage/store.js";

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
}

const META_KEY = "issuer-signing-key";

const newKeyPkcs8 = (): Buffer => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "der", type: "pkcs8" });
const SEAL_CONTEXT = "meta/issuer-signing-key";

/**
 * The token issuer's ES256 key pair. It is made once, sealed under the master key and kept in the store, so
 * every node of a deployment signs and verifies with the same key.
 */
export async function loadSigningKey(store: Pick<StoreOps, "getMeta" | "initMeta">, envelope: Envelope): Promise<SigningKey> {
  // initMeta keeps whichever key was stored first, should two nodes start at once.
  const sealed = (await store.getMeta(META_KEY)) ?? (await store.initMeta(META_KEY, envelope.seal(newKeyPkcs8(), SEAL_CONTEXT)));
  const privateKey = createPrivateKey({ key: envelope.open(sealed, SEAL_CONTEXT), format: "der", type: "pkcs8" });
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: "jwk" }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg: "ES256", use: "sig" } };
}
