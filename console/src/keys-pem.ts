/**
 * PEM and JWK conversions for keys, done by the browser's WebCrypto: a pasted PKCS#8 private key becomes the JWK the
 * import call takes, and a version's public JWK becomes an SPKI PEM to download. WebCrypto knows RSA and the NIST
 * curves only, so P-256K (secp256k1) keys can be neither read nor written here.
 */

/** The curves WebCrypto can import and export. */
export const BROWSER_CURVES = ["P-256", "P-384", "P-521"] as const;

/** A key's public half as Key Vault answers it (`kty` may end in `-HSM`). */
export interface PublicJwk {
  kid?: string;
  kty: string;
  key_ops?: string[];
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
}

/** The private key fields the import call sends, by key type. */
const PRIVATE_FIELDS = { RSA: ["n", "e", "d", "p", "q", "dp", "dq", "qi"], EC: ["crv", "x", "y", "d"] } as const;

const RSA_IMPORT = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/** The base64 body of a PEM block with the given label, as bytes; a clear error when the block is another kind. */
function pemBody(pem: string, label: string): Uint8Array<ArrayBuffer> {
  const found = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!found) throw new Error(`Paste a PEM block that starts with -----BEGIN ${label}-----.`);
  const [, kind = "", body = ""] = found;
  if (kind === "ENCRYPTED PRIVATE KEY") throw new Error("The key is encrypted: decrypt it first (openssl pkcs8 -in key.pem -nocrypt).");
  if (kind === "RSA PRIVATE KEY" || kind === "EC PRIVATE KEY") {
    throw new Error(`A ${kind} block is not PKCS#8: convert it first (openssl pkcs8 -topk8 -nocrypt -in key.pem).`);
  }
  if (kind !== label) throw new Error(`Expected a ${label} block, not ${kind}.`);
  try {
    return Uint8Array.from(atob(body.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    throw new Error("The PEM block's content is not valid base64.");
  }
}

function pemOf(label: string, der: ArrayBuffer): string {
  let binary = "";
  for (const byte of new Uint8Array(der)) binary += String.fromCharCode(byte);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Only the named members of an exported JWK (WebCrypto adds `ext`, `alg` and its own `key_ops`). */
function pick(jwk: JsonWebKey, fields: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const field of fields) {
    const value = (jwk as Record<string, unknown>)[field];
    if (typeof value === "string") picked[field] = value;
  }
  return picked;
}

/**
 * A PKCS#8 PEM private key (RSA, or EC on P-256, P-384, P-521) as a private JWK. The key type and curve are found by
 * trying each: WebCrypto refuses a key that is not of the algorithm or curve it is asked to import.
 */
export async function privatePemToJwk(pem: string): Promise<Record<string, string>> {
  const der = pemBody(pem, "PRIVATE KEY");
  const attempts: [AlgorithmIdentifier | EcKeyImportParams | RsaHashedImportParams, "RSA" | "EC"][] = [
    [RSA_IMPORT, "RSA"],
    ...BROWSER_CURVES.map((namedCurve): [EcKeyImportParams, "EC"] => [{ name: "ECDSA", namedCurve }, "EC"]),
  ];
  for (const [algorithm, kty] of attempts) {
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey("pkcs8", der, algorithm, true, ["sign"]);
    } catch {
      continue;
    }
    return { kty, ...pick(await crypto.subtle.exportKey("jwk", key), PRIVATE_FIELDS[kty]) };
  }
  throw new Error(
    "This is not an RSA or EC (P-256, P-384, P-521) private key the browser can read. " +
      "P-256K keys cannot be imported here: use the SDK or the CLI.",
  );
}

/** Whether the browser can turn this public key into a PEM file. */
export function pemAvailable(jwk: PublicJwk): boolean {
  const kty = jwk.kty.replace(/-HSM$/, "");
  return kty === "RSA" || (kty === "EC" && (BROWSER_CURVES as readonly string[]).includes(jwk.crv ?? ""));
}

/** A version's public JWK as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
export async function publicJwkToPem(jwk: PublicJwk): Promise<string> {
  if (!pemAvailable(jwk)) throw new Error("The browser cannot write this key type as PEM.");
  const rsa = jwk.kty.startsWith("RSA");
  const publicJwk: JsonWebKey = rsa ? { kty: "RSA", n: jwk.n, e: jwk.e } : { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
  const algorithm = rsa ? RSA_IMPORT : { name: "ECDSA", namedCurve: jwk.crv! };
  const key = await crypto.subtle.importKey("jwk", publicJwk, algorithm, true, ["verify"]);
  return pemOf("PUBLIC KEY", await crypto.subtle.exportKey("spki", key));
}
