/**
 * PKCS #12 (PFX) through the `keyhold_pkcs12` addon (native/keyhold_pkcs12.cc), a thin binding to the OpenSSL inside
 * Node: node:crypto can neither read nor write PFX, and the format's MAC needs RFC 7292's own key derivation,
 * which no JavaScript library in use here offers and which Keyhold must not implement itself.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { badParameter } from "../../errors/key-vault-error.js";

/** A PFX's private key (PKCS #8 DER), its certificate and the other certificates it carries, each DER. */
export interface Pkcs12Contents {
  pkcs8: Buffer;
  certificate: Buffer;
  chain: Buffer[];
}

type Callback<T> = (err: (Error & { code?: string }) | null, result?: T) => void;

interface Addon {
  parsePkcs12(pfx: Uint8Array, password: string | null, callback: Callback<{ key: Buffer; cert: Buffer; chain: Buffer[] }>): void;
  createPkcs12(pkcs8: Uint8Array, cert: Uint8Array, chain: Uint8Array[], password: string | null, callback: Callback<Buffer>): void;
}

const MALFORMED = "The certificate content is not a valid PKCS#12 (PFX) file with a private key and its certificate.";

/** What each of the addon's failures means to a client importing a certificate. */
const PARSE_ERRORS: Record<string, string> = {
  ERR_KEYHOLD_PKCS12_MALFORMED: MALFORMED,
  ERR_KEYHOLD_PKCS12_BAD_PASSWORD: "The password of the PKCS#12 (PFX) content is wrong.",
  ERR_KEYHOLD_PKCS12_UNSUPPORTED: "The PKCS#12 (PFX) content uses an encryption or MAC algorithm that is not supported.",
  // An empty file, or one over the addon's size limit.
  ERR_KEYHOLD_INVALID_ARGUMENT: MALFORMED,
};

const CREATE_ERRORS: Record<string, string> = {
  ERR_KEYHOLD_INVALID_ARGUMENT: "The private key and the certificates do not form a valid PKCS#12 (PFX) file.",
};

let addon: Addon | undefined;

function load(): Addon {
  if (!addon) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, "package.json"))) {
      if (dirname(dir) === dir) throw new Error("keyhold_pkcs12: no package.json above " + fileURLToPath(import.meta.url));
      dir = dirname(dir);
    }
    const path = join(dir, "build", "Release", "keyhold_pkcs12.node");
    if (!existsSync(path)) throw new Error(`keyhold_pkcs12 addon not built (${path} is missing): run \`npm install\``);
    addon = createRequire(import.meta.url)(path) as Addon;
  }
  return addon;
}

/** Turns the addon's failures into Azure's 400 with a fixed message of ours; anything else is a server fault. */
function call<T>(errors: Record<string, string>, run: (callback: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const callback: Callback<T> = (err, result) => {
      if (!err) return resolve(result as T);
      const message = err.code !== undefined ? errors[err.code] : undefined;
      reject(message !== undefined ? badParameter(message) : err);
    };
    try {
      run(callback);
    } catch (err) {
      callback(err as Error & { code?: string });
    }
  });
}

/**
 * Reads a PFX. `password` null means none: the absent and the empty password are both tried, as OpenSSL and
 * Windows do. Rejects with a 400 KeyVaultError saying whether the file is malformed, the password wrong, or an
 * algorithm unsupported (RC2, which OpenSSL 3 keeps in its legacy provider, is not loaded in Node by default).
 */
export async function parsePkcs12(pfx: Buffer, password: string | null): Promise<Pkcs12Contents> {
  const result = await call<{ key: Buffer; cert: Buffer; chain: Buffer[] }>(PARSE_ERRORS, (callback) =>
    load().parsePkcs12(pfx, password, callback),
  );
  return { pkcs8: result.key, certificate: result.cert, chain: result.chain };
}

/**
 * Writes a PFX of a PKCS #8 key, its certificate and a chain. With a password, key and certificates are encrypted
 * with PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC); without one (Key Vault's certificate secrets) they are in clear.
 * Either way the file carries an HMAC-SHA-256 MAC.
 */
export function createPkcs12(contents: Pkcs12Contents, password: string | null): Promise<Buffer> {
  return call<Buffer>(CREATE_ERRORS, (callback) =>
    load().createPkcs12(contents.pkcs8, contents.certificate, contents.chain, password, callback),
  );
}
