import { constants, createHash, publicEncrypt, randomBytes } from "node:crypto";
import pkcs11js, { type PKCS11 } from "pkcs11js";
import { loadPublicKey, verifyDigest } from "../openssl-native.js";
import { missingImplicitRejectionMechanisms } from "./implicit-rejection.js";
import { CURVE_PARAMS } from "./key-templates.js";
import { CKM_AES_KEY_WRAP_PAD } from "./transfer-blob.js";
import { type PaddingPath, rsaDecryption, rsaSigning } from "./rsa-mechanisms.js";
import { readAttributes } from "./token-objects.js";
import { rsaPublicKey } from "./token-public-key.js";
import type { Session } from "./token-sessions.js";

/** What the token does itself, learnt at open by trying it on throwaway session keys. */
export interface MechanismPaths {
  oaep256: PaddingPath;
  pss: PaddingPath;
  secp256k1: "token" | "unsupported";
  /** BYOK: CKM_RSA_AES_KEY_WRAP as its two halves in the token (pkcs11js cannot pass that mechanism's parameters). */
  transfer: "token" | "unsupported";
  /** RSA1_5 decrypt and unwrap with implicit rejection: the mechanisms the token lacks for it (none: it works). */
  rsa1_5Missing: string[];
}

const PATH_TEXT: Record<PaddingPath, string> = {
  token: "token",
  raw: "raw RSA in token, padding in Keyhold",
  unsupported: "unsupported",
};

/** The paths as the start-up log shows them. */
export function describeMechanismPaths(paths: MechanismPaths): Record<string, string> {
  return {
    "RSA-OAEP-256 decrypt": PATH_TEXT[paths.oaep256],
    "PS256/PS384/PS512 sign": PATH_TEXT[paths.pss],
    "P-256K generate": paths.secp256k1,
    "RSA1_5 decrypt": paths.rsa1_5Missing.length
      ? `unsupported (the token lacks ${paths.rsa1_5Missing.join(", ")})`
      : "raw RSA in token, implicit rejection in Keyhold (KDK: HMAC-SHA256 in token)",
    "BYOK unwrap": paths.transfer === "token" ? "token, in two steps (CKM_RSA_PKCS_OAEP, then CKM_AES_KEY_WRAP_PAD)" : "unsupported",
  };
}

/**
 * Tries each mechanism whose support differs between tokens on session objects (CKA_TOKEN false, gone when the
 * session closes, and destroyed right after): a mechanism listed by C_GetMechanismList may still refuse the
 * parameters Key Vault needs (SoftHSM2 lists CKM_RSA_PKCS_OAEP but takes only SHA-1), so each is checked against
 * node:crypto's answer rather than read from the list.
 */
export async function probeMechanisms(pkcs11: PKCS11, session: Session, slot: Buffer): Promise<MechanismPaths> {
  const listed = new Set(pkcs11.C_GetMechanismList(slot));
  const made: Buffer[] = [];
  try {
    const rsa = await pkcs11.C_GenerateKeyPairAsync(
      session,
      { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
      [
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      ],
      [
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_DECRYPT, value: true },
      ],
    );
    made.push(rsa.privateKey, rsa.publicKey);
    const [modulus, exponent] = readAttributes(pkcs11, session, rsa.privateKey, [pkcs11js.CKA_MODULUS, pkcs11js.CKA_PUBLIC_EXPONENT]);
    const publicKey = rsaPublicKey(modulus!, exponent!).keyObject;
    const rawListed = listed.has(pkcs11js.CKM_RSA_X_509);

    const message = randomBytes(32);
    const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, message);
    const decrypts = async (path: PaddingPath): Promise<boolean> => {
      const { mechanism, finish } = rsaDecryption("RSA-OAEP-256", path);
      pkcs11.C_DecryptInit(session, mechanism, rsa.privateKey);
      return finish(await pkcs11.C_DecryptAsync(session, ciphertext, Buffer.alloc(256)), 256).equals(message);
    };
    const oaep256 = await firstWorking([listed.has(pkcs11js.CKM_RSA_PKCS_OAEP) && "token", rawListed && "raw"], decrypts);

    const spki = loadPublicKey(publicKey.export({ format: "der", type: "spki" }));
    const signs = async (path: PaddingPath): Promise<boolean> => {
      for (const [alg, hash] of [
        ["PS256", "sha256"],
        ["PS384", "sha384"],
        ["PS512", "sha512"],
      ] as const) {
        const digest = createHash(hash).update(message).digest();
        const { mechanism, data } = rsaSigning(alg, digest, 2048, path);
        pkcs11.C_SignInit(session, mechanism, rsa.privateKey);
        const signature = await pkcs11.C_SignAsync(session, data, Buffer.alloc(256));
        if (!(await verifyDigest(spki, alg, digest, signature))) return false;
      }
      return true;
    };
    const pss = await firstWorking([listed.has(pkcs11js.CKM_RSA_PKCS_PSS) && "token", rawListed && "raw"], signs);

    let secp256k1: MechanismPaths["secp256k1"] = "unsupported";
    try {
      const ec = await pkcs11.C_GenerateKeyPairAsync(
        session,
        { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
        [
          { type: pkcs11js.CKA_TOKEN, value: false },
          { type: pkcs11js.CKA_EC_PARAMS, value: CURVE_PARAMS["P-256K"] },
        ],
        [
          { type: pkcs11js.CKA_TOKEN, value: false },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SIGN, value: true },
        ],
      );
      made.push(ec.privateKey, ec.publicKey);
      secp256k1 = "token";
    } catch {
      // The token does not make keys on this curve.
    }
    const transfer = listed.has(pkcs11js.CKM_RSA_PKCS_OAEP) && listed.has(CKM_AES_KEY_WRAP_PAD) ? "token" : "unsupported";
    return { oaep256, pss, secp256k1, transfer, rsa1_5Missing: missingImplicitRejectionMechanisms(listed) };
  } finally {
    for (const handle of made) pkcs11.C_DestroyObject(session, handle);
  }
}

/** The first candidate path (falsy ones skipped) whose trial succeeds; a trial that throws counts as failed. */
async function firstWorking(candidates: (PaddingPath | false)[], works: (path: PaddingPath) => Promise<boolean>): Promise<PaddingPath> {
  for (const path of candidates) {
    if (path && (await works(path).catch(() => false))) return path;
  }
  return "unsupported";
}
