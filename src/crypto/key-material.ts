import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { type CurveName, CURVE_BITS, type KeyDescription, type KeyFamily, NODE_CURVE, type PublicJwk } from "./key-types.js";

/** Key material made or imported here: its public description and the private part to be sealed at rest. */
export interface NewKeyMaterial {
  description: KeyDescription;
  /** PKCS#8 DER for RSA and EC, the raw key for oct. */
  material: Buffer;
}

export class KeyMaterialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyMaterialError";
  }
}

const generateKeyPairAsync = promisify(generateKeyPair);

const CURVE_FROM_NODE_JWK: Record<string, CurveName> = { "P-256": "P-256", secp256k1: "P-256K", "P-384": "P-384", "P-521": "P-521" };

/** The public JWK of a private key object, with Azure's curve names. */
export function publicJwkOf(privateKey: KeyObject): PublicJwk {
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  if (jwk.kty === "RSA") return { kty: "RSA", n: jwk.n!, e: jwk.e! };
  const crv = CURVE_FROM_NODE_JWK[jwk.crv ?? ""];
  if (jwk.kty !== "EC" || !crv) throw new KeyMaterialError("unsupported key type");
  return { kty: "EC", crv, x: jwk.x!, y: jwk.y! };
}

function describe(privateKey: KeyObject, hsm: boolean): NewKeyMaterial {
  const jwk = publicJwkOf(privateKey);
  const size = jwk.kty === "RSA" ? privateKey.asymmetricKeyDetails!.modulusLength! : CURVE_BITS[jwk.crv!];
  return { description: { jwk, hsm, size }, material: privateKey.export({ format: "der", type: "pkcs8" }) };
}

/** New key material from the OS CSPRNG; RSA and EC key generation runs on the thread pool. */
export async function generateKeyMaterial(
  family: KeyFamily,
  options: { size: number; curve: CurveName; publicExponent: number; hsm: boolean },
): Promise<NewKeyMaterial> {
  if (family === "oct") {
    return { description: { jwk: { kty: "oct" }, hsm: options.hsm, size: options.size }, material: randomBytes(options.size / 8) };
  }
  const pair =
    family === "RSA"
      ? await generateKeyPairAsync("rsa", { modulusLength: options.size, publicExponent: options.publicExponent })
      : await generateKeyPairAsync("ec", { namedCurve: NODE_CURVE[options.curve] });
  return describe(pair.privateKey, options.hsm);
}

/** Imports a private JWK (RFC 7517; Azure's curve names), refusing public-only or malformed keys. */
export function importKeyMaterial(jwk: Record<string, unknown>, family: KeyFamily, hsm: boolean): NewKeyMaterial {
  if (family === "oct") {
    const k = typeof jwk.k === "string" ? Buffer.from(jwk.k, "base64url") : Buffer.alloc(0);
    if (![16, 24, 32].includes(k.length)) throw new KeyMaterialError("an oct key needs 'k' of 128, 192 or 256 bits");
    return { description: { jwk: { kty: "oct" }, hsm, size: k.length * 8 }, material: k };
  }
  const nodeJwk: Record<string, unknown> = { ...jwk, kty: family };
  delete nodeJwk.key_ops;
  delete nodeJwk.kid;
  if (family === "EC") {
    const curve = jwk.crv as CurveName | undefined;
    if (!curve || !(curve in NODE_CURVE)) throw new KeyMaterialError("an EC key needs 'crv' of P-256, P-256K, P-384 or P-521");
    nodeJwk.crv = curve === "P-256K" ? "secp256k1" : curve;
  }
  if (typeof jwk.d !== "string") throw new KeyMaterialError("the key to import must include its private part");
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: nodeJwk as never, format: "jwk" });
  } catch {
    throw new KeyMaterialError("the JSON web key is not a valid private key");
  }
  return describe(privateKey, hsm);
}
