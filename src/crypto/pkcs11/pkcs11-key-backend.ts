import { createPrivateKey, randomBytes } from "node:crypto";
import pkcs11js from "pkcs11js";
import { badParameter, KeyVaultError } from "../../errors/key-vault-error.js";
import { CryptoFailure } from "../aes.js";
import type { BackendKey, CipherInput, CipherOutput, KeyOptions, TokenKeyBackend } from "../key-backend.js";
import { checkRsaPublicPart, importKeyMaterial, KeyMaterialError, type NewKeyMaterial } from "../key-material.js";
import {
  type CurveName,
  CURVE_BITS,
  type EncryptionAlgorithm,
  type KeyFamily,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  type WrapAlgorithm,
} from "../key-types.js";
import { privateComponents, publicComponents } from "./key-components.js";
import { CURVE_PARAMS, curveOfParams, privateKeyTemplate, publicKeyTemplate } from "./key-templates.js";
import { decryptRsa1_5, ImplicitRejectionSecret } from "./implicit-rejection.js";
import { describeMechanismPaths, type MechanismPaths, probeMechanisms } from "./mechanism-probe.js";
import { isHandleInvalid, isSessionLoss, KeyNotInToken, Pkcs11SetupError } from "./pkcs11-errors.js";
import { PublicKeyOperations } from "./public-key-operations.js";
import { rsaDecryption, rsaSigning } from "./rsa-mechanisms.js";
import { findObjects, idOfReference, readAttributes, referenceOf } from "./token-objects.js";
import { ecPublicKey, fieldBytes, rsaPublicKey, type TokenPublicKey } from "./token-public-key.js";
import { type Session, TokenSessions, type TokenSettings } from "./token-sessions.js";
import { unwrapTransferBlob } from "./transfer-blob.js";

type AsymmetricFamily = Exclude<KeyFamily, "oct">;

/**
 * Keys in a PKCS#11 token (docs/hsm.md): generated, imported or unwrapped there, sensitive and never extractable,
 * and used there for every private-key operation (on the libuv thread pool, through pkcs11js's *Async calls).
 * Public-key operations run in Keyhold on the public half. References are "pkcs11:" and the hex CKA_ID.
 */
export class Pkcs11KeyBackend implements TokenKeyBackend {
  readonly name = "pkcs11";
  readonly hardwareProtected = true;
  readonly #public = new PublicKeyOperations();
  /** Private key handles by reference, valid for one generation of sessions (a reopen may renumber them). */
  readonly #handles = new Map<string, { generation: number; handle: Buffer }>();
  readonly #rejectionSecret: ImplicitRejectionSecret;

  constructor(
    private readonly sessions: TokenSessions,
    private readonly paths: MechanismPaths,
  ) {
    this.#rejectionSecret = new ImplicitRejectionSecret(sessions);
  }

  /**
   * Finds or makes the token's implicit-rejection secret (when the token can do RSA1_5 at all), so that a token that
   * cannot keep it fails at start-up rather than at the first RSA1_5 decryption.
   */
  async settleRejectionSecret(): Promise<void> {
    if (this.paths.rsa1_5Missing.length > 0) return;
    try {
      await this.sessions.run((session) => this.#rejectionSecret.settle(session));
    } catch (error) {
      if (isSessionLoss(error) || error instanceof KeyVaultError) throw error;
      const reason = error instanceof Error ? error.message : "the token refused";
      throw new Pkcs11SetupError(`cannot find or make the RSA1_5 implicit-rejection secret in the token: ${reason}`);
    }
  }

  /** Which path each token-dependent mechanism takes here, for the start-up log. */
  mechanismPaths(): Record<string, string> {
    return describeMechanismPaths(this.paths);
  }

  async generate(family: KeyFamily, options: KeyOptions): Promise<NewKeyMaterial> {
    const asymmetric = this.#tokenFamily(family);
    if (asymmetric === "EC") this.#checkCurve(options.curve);
    const id = randomBytes(16);
    const publicTemplate = publicKeyTemplate(asymmetric, id, options.label);
    if (asymmetric === "RSA") {
      publicTemplate.push(
        { type: pkcs11js.CKA_MODULUS_BITS, value: options.size },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: integerBytes(options.publicExponent) },
      );
    } else {
      publicTemplate.push({ type: pkcs11js.CKA_EC_PARAMS, value: CURVE_PARAMS[options.curve] });
    }
    const mechanism = { mechanism: asymmetric === "RSA" ? pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN : pkcs11js.CKM_EC_KEY_PAIR_GEN };
    return this.sessions.run(async (session) => {
      const pair = await this.#pkcs11.C_GenerateKeyPairAsync(
        session,
        mechanism,
        publicTemplate,
        privateKeyTemplate(asymmetric, id, options.label),
      );
      try {
        const half = this.#publicHalf(session, asymmetric, pair.publicKey);
        return this.#made(id, half, options.hsm);
      } catch (error) {
        this.#destroyQuietly(session, [pair.privateKey, pair.publicKey]);
        throw error;
      }
    });
  }

  async importJwk(jwk: Record<string, unknown>, family: KeyFamily, options: Pick<KeyOptions, "hsm" | "label">): Promise<NewKeyMaterial> {
    const asymmetric = this.#tokenFamily(family);
    if (asymmetric === "EC" && jwk.crv === "P-256K") this.#checkCurve("P-256K");
    // The software backend's checks, so that both accept and refuse the same keys; its PKCS#8 is then read back.
    const checked = await importKeyMaterial(jwk, family, options.hsm);
    const full = createPrivateKey({ key: checked.material, format: "der", type: "pkcs8" }).export({ format: "jwk" });
    checked.material.fill(0);
    const id = randomBytes(16);
    const { jwk: publicJwk } = checked.description;
    const { template: privateParts, secrets } = privateComponents(publicJwk, full);
    try {
      return await this.sessions.run((session) => {
        const privateKey = this.#pkcs11.C_CreateObject(session, [...privateKeyTemplate(asymmetric, id, options.label), ...privateParts]);
        try {
          this.#pkcs11.C_CreateObject(session, [...publicKeyTemplate(asymmetric, id, options.label), ...publicComponents(publicJwk)]);
        } catch (error) {
          this.#destroyQuietly(session, [privateKey]);
          throw error;
        }
        return { description: checked.description, material: Buffer.alloc(0), reference: referenceOf(id) };
      });
    } finally {
      for (const bytes of secrets) bytes.fill(0);
    }
  }

  async encrypt(key: BackendKey, alg: EncryptionAlgorithm, plaintext: Buffer, _input: CipherInput): Promise<CipherOutput> {
    return { value: this.#public.rsaEncrypt(key, this.#rsaAlgorithm(alg), plaintext) };
  }

  async decrypt(key: BackendKey, alg: EncryptionAlgorithm, ciphertext: Buffer, _input: CipherInput): Promise<Buffer> {
    return this.#rsaDecrypt(key, this.#rsaAlgorithm(alg), ciphertext);
  }

  async wrap(key: BackendKey, alg: WrapAlgorithm, data: Buffer): Promise<Buffer> {
    return this.#public.rsaEncrypt(key, this.#rsaAlgorithm(alg), data);
  }

  async unwrap(key: BackendKey, alg: WrapAlgorithm, wrapped: Buffer): Promise<Buffer> {
    return this.#rsaDecrypt(key, this.#rsaAlgorithm(alg), wrapped);
  }

  async verify(key: BackendKey, alg: SignatureAlgorithm, digest: Buffer, signature: Buffer): Promise<boolean> {
    return this.#public.verify(key, alg, digest, signature);
  }

  /** RS*: PKCS #1 v1.5 over DigestInfo; PS*: PSS (in the token or encoded here); ES*: ECDSA, as R‖S. */
  async sign(key: BackendKey, alg: SignatureAlgorithm, digest: Buffer): Promise<Buffer> {
    const { jwk, size } = key.description;
    let mechanism: pkcs11js.Mechanism;
    let data: Buffer;
    let length: number;
    if (jwk.kty === "RSA") {
      if (alg.startsWith("PS") && this.paths.pss === "unsupported") throw badParameter(`this HSM token cannot sign with ${alg}`);
      ({ mechanism, data } = rsaSigning(alg, digest, size, this.paths.pss));
      length = Math.ceil(size / 8);
    } else {
      if (digest.length !== SIGNATURE_ALGORITHMS[alg].digestBytes)
        throw new Error(`${alg} signs a digest of ${SIGNATURE_ALGORITHMS[alg].digestBytes} bytes`);
      mechanism = { mechanism: pkcs11js.CKM_ECDSA };
      data = digest;
      length = 2 * fieldBytes(jwk.crv!);
    }
    return this.#withPrivateKey(key.reference, async (session, handle) => {
      this.#pkcs11.C_SignInit(session, mechanism, handle);
      const signature = await this.#pkcs11.C_SignAsync(session, data, Buffer.alloc(length));
      if (signature.length !== length) throw new Error("the token's signature has an unexpected length");
      return signature;
    });
  }

  async destroy(reference: string): Promise<void> {
    const id = idOfReference(reference);
    this.#handles.delete(reference);
    if (!id) return;
    await this.sessions.run((session) => {
      const objects = [pkcs11js.CKO_PRIVATE_KEY, pkcs11js.CKO_PUBLIC_KEY].flatMap((objectClass) =>
        findObjects(this.#pkcs11, session, objectClass, id),
      );
      // Nothing found may also mean a lost login, under which private objects are invisible.
      if (objects.length === 0) this.sessions.assertLoggedIn(session);
      for (const handle of objects) this.#pkcs11.C_DestroyObject(session, handle);
    });
  }

  async importTransferBlob(
    kek: BackendKey,
    ciphertext: Buffer,
    family: KeyFamily,
    options: Pick<KeyOptions, "hsm" | "label">,
  ): Promise<NewKeyMaterial> {
    const asymmetric = this.#tokenFamily(family);
    if (this.paths.transfer === "unsupported") throw badParameter("The HSM token of this Keyhold deployment cannot import BYOK keys.");
    if (kek.description.jwk.kty !== "RSA") throw badParameter("The key exchange key of a BYOK import must be an RSA key.");
    const id = randomBytes(16);
    const modulusBytes = Math.ceil(kek.description.size / 8);
    try {
      return await this.#withPrivateKey(kek.reference, async (session, kekHandle) => {
        const privateKey = await unwrapTransferBlob(this.#pkcs11, session, { handle: kekHandle, modulusBytes }, ciphertext, {
          family: asymmetric,
          id,
          label: options.label,
        });
        try {
          const half = this.#publicHalfOfPrivate(session, asymmetric, privateKey);
          this.#checkTransferredSize(half);
          this.#pkcs11.C_CreateObject(session, [...publicKeyTemplate(asymmetric, id, options.label), ...publicComponents(half.jwk)]);
          return this.#made(id, half, options.hsm);
        } catch (error) {
          this.#destroyQuietly(session, [privateKey]);
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof KeyNotInToken) throw new CryptoFailure();
      throw error;
    }
  }

  close(): Promise<void> {
    return this.sessions.close();
  }

  get #pkcs11(): pkcs11js.PKCS11 {
    return this.sessions.pkcs11;
  }

  #tokenFamily(family: KeyFamily): AsymmetricFamily {
    if (family === "oct") throw badParameter("oct keys are not kept in the PKCS#11 token: only RSA and EC keys are");
    return family;
  }

  #checkCurve(curve: CurveName): void {
    if (curve === "P-256K" && this.paths.secp256k1 !== "token") {
      throw badParameter("The HSM token of this Keyhold deployment does not support the curve P-256K.");
    }
  }

  #rsaAlgorithm(alg: EncryptionAlgorithm | WrapAlgorithm): WrapAlgorithm {
    if (alg !== "RSA1_5" && alg !== "RSA-OAEP" && alg !== "RSA-OAEP-256") throw badParameter(`${alg} is not an algorithm of this key`);
    return alg;
  }

  /**
   * Decrypt and unwrap: every failure in the token or in the padding is CryptoFailure, and says nothing more. RSA1_5
   * does not fail on a wrong padding at all (implicit rejection), or is refused where the token cannot do that.
   */
  async #rsaDecrypt(key: BackendKey, alg: WrapAlgorithm, ciphertext: Buffer): Promise<Buffer> {
    if (alg === "RSA-OAEP-256" && this.paths.oaep256 === "unsupported") throw badParameter("this HSM token cannot decrypt RSA-OAEP-256");
    const missing = this.paths.rsa1_5Missing;
    if (alg === "RSA1_5" && missing.length > 0) {
      throw badParameter(`this HSM token cannot decrypt RSA1_5 without a padding oracle: it lacks ${missing.join(", ")}`);
    }
    const modulusBytes = Math.ceil(key.description.size / 8);
    try {
      return await this.#withPrivateKey(key.reference, async (session, handle) => {
        if (alg === "RSA1_5") {
          const id = idOfReference(key.reference!)!;
          return decryptRsa1_5(this.#pkcs11, session, { handle, id, modulusBytes }, this.#rejectionSecret, ciphertext);
        }
        const { mechanism, finish } = rsaDecryption(alg, this.paths.oaep256);
        this.#pkcs11.C_DecryptInit(session, mechanism, handle);
        return finish(await this.#pkcs11.C_DecryptAsync(session, ciphertext, Buffer.alloc(modulusBytes)), modulusBytes);
      });
    } catch (error) {
      if (error instanceof KeyVaultError) throw error;
      throw new CryptoFailure();
    }
  }

  /**
   * Runs `operation` with the private key object of `reference`. A handle the token no longer knows is looked up
   * again once (after checking the login, whose loss hides private objects the same way).
   */
  async #withPrivateKey<T>(reference: string | null, operation: (session: Session, handle: Buffer) => Promise<T>): Promise<T> {
    if (reference === null) throw new KeyNotInToken();
    return this.sessions.run(async (session) => {
      try {
        return await operation(session, this.#privateHandle(session, reference));
      } catch (error) {
        if (!isHandleInvalid(error)) throw error;
        this.#handles.delete(reference);
        this.sessions.assertLoggedIn(session);
        return operation(session, this.#privateHandle(session, reference));
      }
    });
  }

  #privateHandle(session: Session, reference: string): Buffer {
    const cached = this.#handles.get(reference);
    if (cached && cached.generation === this.sessions.generation) return cached.handle;
    const id = idOfReference(reference);
    const [handle] = id ? findObjects(this.#pkcs11, session, pkcs11js.CKO_PRIVATE_KEY, id) : [];
    if (!handle) {
      this.sessions.assertLoggedIn(session);
      throw new KeyNotInToken();
    }
    this.#handles.set(reference, { generation: this.sessions.generation, handle });
    return handle;
  }

  /** The public half of a key from its public object. */
  #publicHalf(session: Session, family: AsymmetricFamily, publicKey: Buffer): TokenPublicKey {
    if (family === "RSA") {
      const [modulus, exponent] = readAttributes(this.#pkcs11, session, publicKey, [pkcs11js.CKA_MODULUS, pkcs11js.CKA_PUBLIC_EXPONENT]);
      return rsaPublicKey(modulus!, exponent!);
    }
    const [params, point] = readAttributes(this.#pkcs11, session, publicKey, [pkcs11js.CKA_EC_PARAMS, pkcs11js.CKA_EC_POINT]);
    return ecPublicKey(this.#curveOf(params!), point!);
  }

  /**
   * The public half of a private key object just unwrapped: an RSA private object carries n and e. An EC one
   * carries its point only in some tokens (SoftHSM2's does not); without it there is no public key to publish.
   */
  #publicHalfOfPrivate(session: Session, family: AsymmetricFamily, privateKey: Buffer): TokenPublicKey {
    if (family === "RSA") return this.#publicHalf(session, family, privateKey);
    let params: Buffer | undefined;
    let point: Buffer | undefined;
    try {
      [params, point] = readAttributes(this.#pkcs11, session, privateKey, [pkcs11js.CKA_EC_PARAMS, pkcs11js.CKA_EC_POINT]);
    } catch {
      // Below: the token keeps no point with an EC private key.
    }
    if (!params || !point || point.length === 0) {
      throw badParameter(
        "This HSM token cannot give the public key of an EC key imported by BYOK: only RSA keys can be transferred to it.",
      );
    }
    return ecPublicKey(this.#curveOf(params), point);
  }

  #curveOf(params: Buffer): CurveName {
    const curve = curveOfParams(params);
    if (!curve) throw badParameter("The key is on a curve Key Vault does not support: use P-256, P-256K, P-384 or P-521.");
    return curve;
  }

  /** A transferred key must be one Key Vault allows, checked as an imported JWK is. */
  #checkTransferredSize(half: TokenPublicKey): void {
    const { jwk } = half;
    if (jwk.kty === "EC") return this.#checkCurve(jwk.crv!);
    try {
      checkRsaPublicPart({ ...jwk });
    } catch (error) {
      if (error instanceof KeyMaterialError) throw badParameter(`The transferred key is invalid: ${error.message}.`);
      throw error;
    }
  }

  #made(id: Buffer, half: TokenPublicKey, hsm: boolean): NewKeyMaterial {
    const { jwk } = half;
    const size = jwk.kty === "RSA" ? half.keyObject.asymmetricKeyDetails!.modulusLength! : CURVE_BITS[jwk.crv!];
    return { description: { jwk, hsm, size }, material: Buffer.alloc(0), reference: referenceOf(id) };
  }

  #destroyQuietly(session: Session, handles: Buffer[]): void {
    for (const handle of handles) {
      try {
        this.#pkcs11.C_DestroyObject(session, handle);
      } catch {
        // Best effort: the caller reports the first failure.
      }
    }
  }
}

/** A public exponent as CKA_PUBLIC_EXPONENT: a big-endian integer without leading zero octets. */
function integerBytes(value: number): Buffer {
  const hex = BigInt(value).toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
}

/**
 * Opens the token named in the settings: loads the module, finds the token by label, logs in a pool of sessions,
 * and learns which mechanisms it has. Setup problems throw Pkcs11SetupError, with what to fix and never the PIN.
 */
export async function openPkcs11Backend(settings: TokenSettings): Promise<Pkcs11KeyBackend> {
  const sessions = TokenSessions.open(settings);
  try {
    const paths = await sessions.run((session) => probeMechanisms(sessions.pkcs11, session, sessions.slot));
    const backend = new Pkcs11KeyBackend(sessions, paths);
    await backend.settleRejectionSecret();
    return backend;
  } catch (error) {
    await sessions.close();
    throw error;
  }
}
