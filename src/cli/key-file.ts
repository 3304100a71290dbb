import { type KeyObject, createPrivateKey } from "node:crypto";
import { CliError } from "./cli-error.js";
import { readInputFile } from "./input-file.js";

/** What a file given as a PEM private key holds instead, for an error that says so (OpenSSL's only says "unsupported"). */
function whatItHolds(text: string): string {
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  if (label?.includes("ENCRYPTED") || text.includes("Proc-Type: 4,ENCRYPTED"))
    return "it is encrypted: `openssl pkey -in FILE -out plain.pem` decrypts it";
  if (label) return `it holds a ${label}, and an import needs the private key`;
  if (text.trimStart().startsWith("{")) return "it looks like JSON: give a JWK with --jwk-file";
  return "it holds no PEM block (-----BEGIN PRIVATE KEY-----)";
}

/** A private key from a PEM file (PKCS#8, PKCS#1 or SEC1) as a JWK, with Azure's curve names. */
export function privateJwkFromPemFile(path: string): Record<string, unknown> {
  const pem = readInputFile(path);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new CliError(
      "BadParameter",
      `${path} is not a private key in PEM (PKCS#8, PKCS#1 or SEC1): ${whatItHolds(pem.toString("latin1"))}`,
    );
  }
  const jwk = key.export({ format: "jwk" }) as Record<string, unknown>;
  if (jwk.crv === "secp256k1") jwk.crv = "P-256K";
  return jwk;
}

/** A JWK from a file; its text is never quoted in an error, since it holds key material. */
export function jwkFromFile(path: string): Record<string, unknown> {
  let jwk: unknown;
  try {
    jwk = JSON.parse(readInputFile(path).toString("utf8"));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError("BadParameter", `${path} is not a JWK: it is not valid JSON`);
  }
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk))
    throw new CliError("BadParameter", `${path} is not a JWK: it is not a JSON object`);
  return jwk as Record<string, unknown>;
}
