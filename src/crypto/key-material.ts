import { checkPrime, createECDH, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { type CurveName, CURVE_BITS, type KeyDescription, type KeyFamily, NODE_CURVE, type PublicJwk } from "./key-types.js";

/** A key made or imported by a backend: its public description, and the private part to seal or its token reference. */
export interface NewKeyMaterial {
  description: KeyDescription;
  /** Software keys: PKCS#8 DER for RSA and EC, the raw key for oct, sealed at rest. Token keys: empty. */
  material: Buffer;
  /** Token keys: where the token holds the key ("pkcs11:…"); absent for software keys. */
  reference?: string;
}

export class KeyMaterialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyMaterialError";
  }
}

const generateKeyPairAsync = promisify(generateKeyPair);
/** Miller-Rabin on the libuv thread pool: a 2048-bit prime takes ~100 ms, too long for the event loop. */
const checkPrimeAsync = promisify(checkPrime) as (candidate: bigint) => Promise<boolean>;

/** The RSA modulus sizes this vault makes and accepts, as Azure's. Smaller moduli are factorable or near it. */
export const RSA_KEY_SIZES: readonly number[] = [2048, 3072, 4096];

/**
 * The public exponents this vault makes and accepts: odd (an even e has no inverse modulo the even p-1, q-1),
 * at least 3 (e = 1 makes "encryption" the identity), and at most 2^53 - 1. OpenSSL itself caps e at 64 bits
 * only for moduli above 3072 bits and otherwise takes any size, so an unbounded e would be a slow-operation
 * lever; 2^53 - 1 is the bound creation already has (a JSON number) and rotation reads e back as a number.
 */
export function isAcceptedPublicExponent(e: number | bigint): boolean {
  const value = BigInt(e);
  return value >= 3n && value % 2n === 1n && value <= BigInt(Number.MAX_SAFE_INTEGER);
}

const CURVE_FROM_NODE_JWK: Record<string, CurveName> = { "P-256": "P-256", secp256k1: "P-256K", "P-384": "P-384", "P-521": "P-521" };

/** The public JWK of a key object (private or public), with Azure's curve names. */
export function publicJwkOf(key: KeyObject): PublicJwk {
  const jwk = (key.type === "public" ? key : createPublicKey(key)).export({ format: "jwk" });
  if (jwk.kty === "RSA") return { kty: "RSA", n: jwk.n!, e: jwk.e! };
  const crv = CURVE_FROM_NODE_JWK[jwk.crv ?? ""];
  if (jwk.kty !== "EC" || !crv) throw new KeyMaterialError("unsupported key type");
  return { kty: "EC", crv, x: jwk.x!, y: jwk.y! };
}

/** A key version's public part as a node:crypto key, from its public JWK (what a certificate or CSR carries). */
export function publicKeyOf(jwk: PublicJwk): KeyObject {
  const nodeJwk = jwk.kty === "EC" ? { ...jwk, crv: jwk.crv === "P-256K" ? "secp256k1" : jwk.crv } : jwk;
  return createPublicKey({ key: nodeJwk as never, format: "jwk" });
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

/** Imports a private JWK (RFC 7517; Azure's curve names), refusing public-only, malformed, weak or inconsistent keys. */
export async function importKeyMaterial(jwk: Record<string, unknown>, family: KeyFamily, hsm: boolean): Promise<NewKeyMaterial> {
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
    if (typeof curve !== "string" || !Object.hasOwn(NODE_CURVE, curve))
      throw new KeyMaterialError("an EC key needs 'crv' of P-256, P-256K, P-384 or P-521");
    nodeJwk.crv = curve === "P-256K" ? "secp256k1" : curve;
  }
  if (typeof jwk.d !== "string") throw new KeyMaterialError("the key to import must include its private part");
  // Size and exponent first: they are cheap, and refusing them early keeps huge values away from OpenSSL.
  if (family === "RSA") checkRsaPublicPart(jwk);
  let privateKey: KeyObject;
  try {
    // OpenSSL 3 refuses here an EC point that is not on the curve.
    privateKey = createPrivateKey({ key: nodeJwk as never, format: "jwk" });
  } catch {
    throw new KeyMaterialError("the JSON web key is not a valid private key");
  }
  if (family === "RSA") await checkRsaPrivatePart(jwk);
  else checkEcPrivatePart(jwk);
  return describe(privateKey, hsm);
}

/** A JWK member as an unsigned big-endian integer (RFC 7518 §6.3), or null if absent or empty. */
function jwkInteger(jwk: Record<string, unknown>, member: string): bigint | null {
  const value = jwk[member];
  if (typeof value !== "string") return null;
  const bytes = Buffer.from(value, "base64url");
  return bytes.length === 0 ? null : BigInt(`0x${bytes.toString("hex")}`);
}

/** An RSA key's size and public exponent must be ones Key Vault accepts (KeyMaterialError otherwise). */
export function checkRsaPublicPart(jwk: Record<string, unknown>): void {
  const n = jwkInteger(jwk, "n");
  const e = jwkInteger(jwk, "e");
  if (n === null || e === null) throw new KeyMaterialError("an RSA key needs 'n' and 'e'");
  const bits = n.toString(2).length;
  if (!RSA_KEY_SIZES.includes(bits)) {
    throw new KeyMaterialError(`the RSA modulus is ${bits} bits: use one of ${RSA_KEY_SIZES.join(", ")}`);
  }
  if (!isAcceptedPublicExponent(e)) {
    throw new KeyMaterialError("the RSA public exponent must be an odd integer of at least 3 and at most 2^53 - 1");
  }
}

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/**
 * The private part must belong to the public one, with right CRT values: what OpenSSL's RSA_check_key checks,
 * which node:crypto does not expose. A signature test alone is not enough: OpenSSL signs with the CRT values,
 * checks the result against e, and on mismatch silently redoes it with d, so a key with wrong p/q (or a wrong d
 * beside right CRT values) still signs correctly here, yet is stored broken and may leak its factors
 * elsewhere (a faulty CRT signature reveals them). So the relations are checked directly, primality by OpenSSL
 * (on the thread pool).
 */
async function checkRsaPrivatePart(jwk: Record<string, unknown>): Promise<void> {
  const [n, e, d, p, q, dp, dq, qi] = ["n", "e", "d", "p", "q", "dp", "dq", "qi"].map((m) => jwkInteger(jwk, m));
  const inconsistent = new KeyMaterialError("the RSA private key does not match its public key or its CRT parameters are wrong");
  if (!n || !e || !d || !p || !q || !dp || !dq || !qi)
    throw new KeyMaterialError("an RSA private key needs 'd', 'p', 'q', 'dp', 'dq' and 'qi'");
  if (p === q || p * q !== n || d >= n) throw inconsistent;
  const p1 = p - 1n;
  const q1 = q - 1n;
  const lambda = (p1 * q1) / gcd(p1, q1);
  if (mod(e * d, lambda) !== 1n || dp !== mod(d, p1) || dq !== mod(d, q1) || mod(qi * q, p) !== 1n) throw inconsistent;
  const [pPrime, qPrime] = await Promise.all([checkPrimeAsync(p), checkPrimeAsync(q)]);
  if (!pPrime || !qPrime) throw inconsistent;
}

/**
 * OpenSSL keeps the given (x, y) beside d without relating them, so the public key of d is derived afresh
 * (ECDH computes it from d alone) and compared with the given point.
 */
function checkEcPrivatePart(jwk: Record<string, unknown>): void {
  const ecdh = createECDH(NODE_CURVE[jwk.crv as CurveName]);
  try {
    ecdh.setPrivateKey(Buffer.from(jwk.d as string, "base64url"));
  } catch {
    throw new KeyMaterialError("the EC private key 'd' is not valid for its curve");
  }
  const derived = ecdh.getPublicKey();
  const size = (derived.length - 1) / 2;
  const given = Buffer.concat([Buffer.of(4), pad(jwk.x, size), pad(jwk.y, size)]);
  if (!derived.equals(given)) throw new KeyMaterialError("the EC private key 'd' does not match the public point (x, y)");
}

const pad = (member: unknown, size: number): Buffer => {
  const bytes = Buffer.from(typeof member === "string" ? member : "", "base64url");
  return bytes.length >= size ? bytes : Buffer.concat([Buffer.alloc(size - bytes.length), bytes]);
};
