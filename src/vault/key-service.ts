import { type KeyObject, randomBytes } from "node:crypto";
import type { Envelope } from "../crypto/envelope.js";
import type { BackendKey, CipherInput, CipherOutput, KeyBackend } from "../crypto/key-backend.js";
import { KeyMaterialError, type NewKeyMaterial, RSA_KEY_SIZES, isAcceptedPublicExponent } from "../crypto/key-material.js";
import {
  CIPHER_ALGORITHMS,
  type CurveName,
  DEFAULT_KEY_OPS,
  ENCRYPTION_ALGORITHMS,
  type EncryptionAlgorithm,
  type KeyDescription,
  type KeyFamily,
  type KeyOperation,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  WRAP_ALGORITHMS,
  type WrapAlgorithm,
} from "../crypto/key-types.js";
import type { ObjectAttributes, ObjectSummary, ObjectVersionRecord, Page, VaultRecord } from "../storage/records.js";
import type { Store, StoreOps } from "../storage/store.js";
import { KeyVaultError, badParameter, forbidden, hardwareKeyInStandardVault, objectNotFound } from "../errors/key-vault-error.js";
import { checkObjectName, checkTags } from "./limits.js";
import { rotationDue, DEFAULT_ROTATION_POLICY, type RotationPolicy, rotatedKeyExpires, validateRotationPolicy } from "./rotation-policy.js";
import { type NewVersion, ObjectLifecycle, type ObjectView } from "./object-lifecycle.js";

export type KeyAttributes = Omit<ObjectAttributes, "contentType" | "keyOps">;

export interface KeyView extends ObjectView {
  description: KeyDescription;
}

export interface CreateKeyInput extends KeyAttributes {
  family: KeyFamily;
  hsm: boolean;
  size: number | null;
  curve: CurveName | null;
  publicExponent: number | null;
  keyOps: KeyOperation[] | null;
}

export interface ImportKeyInput extends KeyAttributes {
  family: KeyFamily;
  hsm: boolean;
  jwk: Record<string, unknown>;
  keyOps: KeyOperation[] | null;
}

export interface KeyServiceDeps {
  store: Store;
  envelope: Envelope;
  backend: KeyBackend;
  now: () => number;
  /**
   * Dev mode: -HSM key types in premium vaults are accepted as software keys. Production refuses them without an
   * HSM backend. Standard vaults refuse them in both modes, as Azure's do.
   */
  softwareHsm: boolean;
  onSoftwareHsmKey?: (vault: string, name: string) => void;
}

const SIZES: Record<KeyFamily, readonly number[]> = { RSA: RSA_KEY_SIZES, EC: [], oct: [128, 192, 256] };
const DEFAULT_SIZE: Record<KeyFamily, number> = { RSA: 2048, EC: 0, oct: 256 };

export const describeKey = (record: Pick<ObjectVersionRecord, "publicData">): KeyDescription =>
  JSON.parse(record.publicData!) as KeyDescription;

const LISTING_PAGE = 100;

/**
 * Whether any version of any key in the vault, soft-deleted keys included, is of an -HSM type: such a vault
 * cannot become standard, whose keys Azure keeps in software only.
 */
export async function vaultHoldsHsmKey(store: Pick<StoreOps, "listObjects" | "allObjectVersions">, vault: string): Promise<boolean> {
  for (const deleted of [false, true]) {
    let after: string | null = null;
    do {
      const page: Page<ObjectSummary> = await store.listObjects(vault, "key", deleted, after, LISTING_PAGE);
      for (const { state } of page.items) {
        const versions = await store.allObjectVersions(vault, "key", state.name);
        if (versions.some((v) => describeKey(v).hsm)) return true;
      }
      after = page.next;
    } while (after !== null);
  }
  return false;
}

function checkAttributes(a: KeyAttributes): void {
  checkTags(a.tags);
}

/**
 * The Keys API's rules: key generation, import, rotation and cryptographic operations, independent of HTTP and
 * storage; the lifecycle keys share with the other kinds of objects is `lifecycle`.
 */
export class KeyService {
  readonly lifecycle: ObjectLifecycle<KeyView>;
  readonly #store: Store;
  readonly #backend: KeyBackend;
  readonly #now: () => number;

  constructor(private readonly deps: KeyServiceDeps) {
    this.lifecycle = new ObjectLifecycle<KeyView>(deps.store, deps.envelope, deps.now, {
      kind: "key",
      view: (vault, record, state) => ({ vault, record, description: describeKey(record), ...(state && { state }) }),
      checkAttributes,
      // A backup with any -HSM version is held to the same rules as creating that type.
      checkRestore: (vault, name, versions) =>
        this.#checkHsm(
          vault,
          name,
          versions.some((v) => describeKey(v).hsm),
        ),
    });
    this.#store = deps.store;
    this.#backend = deps.backend;
    this.#now = deps.now;
  }

  #checkHsm(vault: VaultRecord, name: string, hsm: boolean): void {
    if (!hsm) return;
    if (vault.sku !== "premium") throw hardwareKeyInStandardVault();
    if (this.#backend.hardwareProtected) return;
    if (!this.deps.softwareHsm) {
      throw badParameter(
        "HSM-protected key types (RSA-HSM, EC-HSM, oct-HSM) need a vault with HSM support, and this Keyhold deployment has no HSM backend.",
      );
    }
    this.deps.onSoftwareHsmKey?.(vault.name, name);
  }

  #newVersion(made: NewKeyMaterial, input: KeyAttributes & { keyOps: KeyOperation[] | null; created?: number }): NewVersion {
    return {
      ...(input.created !== undefined && { created: input.created }),
      enabled: input.enabled,
      notBefore: input.notBefore,
      expires: input.expires,
      tags: input.tags,
      contentType: null,
      keyOps: input.keyOps ?? DEFAULT_KEY_OPS[made.description.jwk.kty],
      publicData: JSON.stringify(made.description),
      content: made.material,
    };
  }

  async #addKeyVersion(
    vault: VaultRecord,
    name: string,
    made: NewKeyMaterial,
    input: KeyAttributes & { keyOps: KeyOperation[] | null; created?: number },
  ): Promise<KeyView> {
    return this.lifecycle.create(vault, name, this.#newVersion(made, input));
  }

  // A certificate's key: made and used before it is stored, then written in the certificate's transaction -------

  /** A new key for a certificate, held to the same -HSM rules as a key created directly; not stored yet. */
  async generateForCertificate(
    vault: VaultRecord,
    name: string,
    spec: { family: "RSA" | "EC"; hsm: boolean; size: number; curve: CurveName },
  ): Promise<NewKeyMaterial> {
    this.#checkHsm(vault, name, spec.hsm);
    return this.#backend.generate(spec.family, { size: spec.size, curve: spec.curve, publicExponent: 65537, hsm: spec.hsm });
  }

  /**
   * An imported certificate's private key, checked as a key import is (sizes, exponent, the key's consistency) and
   * held to the same -HSM rules; not stored yet.
   */
  async importForCertificate(vault: VaultRecord, name: string, privateKey: KeyObject, hsm: boolean): Promise<NewKeyMaterial> {
    this.#checkHsm(vault, name, hsm);
    const jwk = privateKey.export({ format: "jwk" }) as Record<string, unknown>;
    if (jwk.crv === "secp256k1") jwk.crv = "P-256K";
    const family = jwk.kty === "EC" ? "EC" : jwk.kty === "RSA" ? "RSA" : null;
    if (!family) throw badParameter("The certificate's key must be an RSA or EC key.");
    try {
      return await this.#backend.importJwk(jwk, family, hsm);
    } catch (error) {
      if (error instanceof KeyMaterialError) throw badParameter(`The certificate's key is invalid: ${error.message}.`);
      throw error;
    }
  }

  /** The private material of a certificate's current key, for a new version that reuses it (`reuse_key`). */
  async materialForReuse(tx: Pick<StoreOps, "getLiveObjectVersion">, vault: VaultRecord, name: string): Promise<NewKeyMaterial | null> {
    const latest = await tx.getLiveObjectVersion(vault.name, "key", name, null);
    return latest ? { description: describeKey(latest), material: this.lifecycle.open(vault, latest) } : null;
  }

  /** Signs a digest with a certificate's new key through the backend, before the key is stored (a self-signed certificate). */
  signWithNewKey(id: string, made: NewKeyMaterial, alg: SignatureAlgorithm, digest: Buffer): Promise<Buffer> {
    return this.#backend.sign({ id, description: made.description, material: () => made.material }, alg, digest);
  }

  /** Writes a certificate's key inside the certificate's transaction: managed, with the certificate's name and version. */
  addCertificateKeyIn(
    tx: StoreOps,
    vault: VaultRecord,
    name: string,
    version: string,
    made: NewKeyMaterial,
    attributes: KeyAttributes,
  ): Promise<ObjectVersionRecord> {
    return this.lifecycle.addVersion(
      tx,
      vault,
      name,
      { ...this.#newVersion(made, { ...attributes, keyOps: null }), managed: true },
      version,
    );
  }

  async create(vault: VaultRecord, name: string, input: CreateKeyInput): Promise<KeyView> {
    checkObjectName("key", name);
    checkAttributes(input);
    this.#checkHsm(vault, name, input.hsm);
    const size = input.size ?? DEFAULT_SIZE[input.family];
    if (input.family !== "EC" && !SIZES[input.family].includes(size)) {
      throw badParameter(`The key size ${size} is not supported for ${input.family} keys: use one of ${SIZES[input.family].join(", ")}.`);
    }
    if (input.family !== "EC" && input.curve !== null) throw badParameter(`'crv' applies only to EC keys.`);
    const exponent = input.publicExponent ?? 65537;
    if (input.family === "RSA" && (!Number.isSafeInteger(exponent) || !isAcceptedPublicExponent(exponent))) {
      throw badParameter("The public exponent must be an odd integer of at least 3.");
    }
    const made = await this.#backend.generate(input.family, {
      size,
      curve: input.curve ?? "P-256",
      publicExponent: exponent,
      hsm: input.hsm,
    });
    return this.#addKeyVersion(vault, name, made, input);
  }

  async import(vault: VaultRecord, name: string, input: ImportKeyInput): Promise<KeyView> {
    checkObjectName("key", name);
    checkAttributes(input);
    this.#checkHsm(vault, name, input.hsm);
    let made: NewKeyMaterial;
    try {
      made = await this.#backend.importJwk(input.jwk, input.family, input.hsm);
    } catch (error) {
      if (error instanceof KeyMaterialError) throw badParameter(`The key to import is invalid: ${error.message}.`);
      throw error;
    }
    return this.#addKeyVersion(vault, name, made, input);
  }

  /** A new version of the same type and size, with the latest version's operations and tags (rotate). */
  async rotate(vault: VaultRecord, name: string): Promise<KeyView> {
    const latest = await this.lifecycle.live(vault, name, null);
    const d = describeKey(latest);
    this.#checkHsm(vault, name, d.hsm);
    // The new version expires as the policy says, counted from its creation; checked before generating, so a
    // policy that cannot give a valid expiry costs no key generation.
    const created = this.#now();
    const expires = rotatedKeyExpires(await this.getRotationPolicy(vault, name), created);
    const made = await this.#backend.generate(d.jwk.kty, {
      size: d.size,
      curve: d.jwk.crv ?? "P-256",
      publicExponent: d.jwk.e ? Number(BigInt(`0x${Buffer.from(d.jwk.e, "base64url").toString("hex")}`)) : 65537,
      hsm: d.hsm,
    });
    const keyOps = latest.keyOps as KeyOperation[];
    return this.#addKeyVersion(vault, name, made, { enabled: true, notBefore: null, expires, tags: latest.tags, keyOps, created });
  }

  async getRotationPolicy(vault: VaultRecord, name: string): Promise<RotationPolicy> {
    await this.lifecycle.live(vault, name, null);
    const stored = await this.#store.getObjectPolicy(vault.name, "key", name);
    return stored === null ? DEFAULT_ROTATION_POLICY : (JSON.parse(stored) as RotationPolicy);
  }

  async setRotationPolicy(
    vault: VaultRecord,
    name: string,
    input: Pick<RotationPolicy, "lifetimeActions" | "expiryTime">,
  ): Promise<RotationPolicy> {
    validateRotationPolicy(input.lifetimeActions, input.expiryTime);
    return this.#store.transaction(async (tx) => {
      if (!(await tx.getLiveObjectVersion(vault.name, "key", name, null))) throw objectNotFound("key", name);
      const stored = await tx.getObjectPolicy(vault.name, "key", name);
      const now = this.#now();
      const policy: RotationPolicy = {
        ...input,
        created: stored ? ((JSON.parse(stored) as RotationPolicy).created ?? now) : now,
        updated: now,
      };
      await tx.setObjectPolicy(vault.name, "key", name, JSON.stringify(policy));
      return policy;
    });
  }

  /**
   * Rotates every key whose rotation policy says it is due (run by the background work's leader); returns the
   * keys rotated. One key that fails is reported (with the version that was due, when known, so that the caller
   * can tell a repeated failure from a new one) and skipped; the others still rotate.
   */
  async rotateDueKeys(
    vaults: (name: string) => Promise<VaultRecord | undefined>,
    onError: (key: string, error: unknown, version: string | null) => void,
  ): Promise<string[]> {
    const now = this.#now();
    const rotated: string[] = [];
    for (const { vault: vaultName, name, policy } of await this.#store.listObjectPolicies("key")) {
      let version: string | null = null;
      try {
        const vault = await vaults(vaultName);
        const latest = vault && (await this.#store.getLiveObjectVersion(vault.name, "key", name, null));
        version = latest ? latest.version : null;
        if (!vault || !latest || !rotationDue(JSON.parse(policy) as RotationPolicy, latest, now)) continue;
        await this.rotate(vault, name);
        rotated.push(`${vault.name}/${name}`);
      } catch (error) {
        onError(`${vaultName}/${name}`, error, version);
      }
    }
    return rotated;
  }

  /** 1–128 bytes from the OS CSPRNG (GetRandomBytesRequest). */
  randomBytes(count: number): Buffer {
    if (!Number.isInteger(count) || count < 1 || count > 128) throw badParameter("count must be an integer from 1 to 128.");
    return randomBytes(count);
  }

  // Cryptographic operations ---------------------------------------------------------------------------

  async #usable(
    vault: VaultRecord,
    name: string,
    version: string | null,
    operation: KeyOperation,
    privateOperation: boolean,
  ): Promise<{ key: BackendKey; record: ObjectVersionRecord }> {
    const record = await this.lifecycle.live(vault, name, version);
    if (!record.enabled) throw forbidden(`Operation ${operation} is not allowed on a disabled key.`, "KeyDisabled");
    if (!(record.keyOps ?? []).includes(operation))
      throw forbidden(`Operation ${operation} is not permitted on this key.`, "KeyOperationForbidden");
    const now = this.#now();
    if (privateOperation && record.notBefore !== null && now < record.notBefore) {
      throw forbidden(`Operation ${operation} is not allowed on a key that is not yet valid.`, "KeyNotYetValid");
    }
    if (privateOperation && record.expires !== null && now >= record.expires) {
      throw forbidden(`Operation ${operation} is not allowed on an expired key.`, "KeyExpired");
    }
    const key: BackendKey = {
      id: `${vault.name.toLowerCase()}/${record.name.toLowerCase()}/${record.version}`,
      description: describeKey(record),
      material: () => this.lifecycle.open(vault, record),
    };
    return { key, record };
  }

  #checkCipher(key: BackendKey, alg: string, allowed: readonly string[]): void {
    const spec = CIPHER_ALGORITHMS[alg as EncryptionAlgorithm];
    if (!allowed.includes(alg) || !spec) throw badParameter(`Algorithm ${alg} is not supported for this operation.`);
    const d = key.description;
    if (spec.family !== d.jwk.kty || (spec.keyBits !== undefined && spec.keyBits !== d.size)) {
      throw badParameter(`Algorithm ${alg} does not fit a ${d.jwk.kty} key${d.jwk.kty === "oct" ? ` of ${d.size} bits` : ""}.`);
    }
  }

  #checkSignature(key: BackendKey, alg: string, digest: Buffer): SignatureAlgorithm {
    // Own members only: `alg` is the caller's, and "constructor" or "toString" would find Object.prototype's.
    const spec = Object.hasOwn(SIGNATURE_ALGORITHMS, alg) ? SIGNATURE_ALGORITHMS[alg as SignatureAlgorithm] : undefined;
    const d = key.description;
    if (!spec || spec.family !== d.jwk.kty || (spec.curve !== undefined && spec.curve !== d.jwk.crv)) {
      throw badParameter(`Algorithm ${alg} does not fit this ${d.jwk.kty}${d.jwk.crv ? ` ${d.jwk.crv}` : ""} key.`);
    }
    if (digest.length !== spec.digestBytes) {
      throw badParameter(`The digest for ${alg} must be ${spec.digestBytes} bytes long; it is ${digest.length}.`);
    }
    return alg as SignatureAlgorithm;
  }

  async encrypt(
    vault: VaultRecord,
    name: string,
    version: string | null,
    alg: string,
    plaintext: Buffer,
    input: CipherInput,
  ): Promise<{ record: ObjectVersionRecord; output: CipherOutput }> {
    const { key, record } = await this.#usable(vault, name, version, "encrypt", false);
    this.#checkCipher(key, alg, ENCRYPTION_ALGORITHMS);
    if (alg.endsWith("GCM") && input.iv) throw badParameter("For AES-GCM the server makes the IV; do not send one.");
    return { record, output: await this.#guard(() => this.#backend.encrypt(key, alg as EncryptionAlgorithm, plaintext, input), "encrypt") };
  }

  async decrypt(
    vault: VaultRecord,
    name: string,
    version: string | null,
    alg: string,
    ciphertext: Buffer,
    input: CipherInput,
  ): Promise<{ record: ObjectVersionRecord; value: Buffer }> {
    const { key, record } = await this.#usable(vault, name, version, "decrypt", true);
    this.#checkCipher(key, alg, ENCRYPTION_ALGORITHMS);
    return { record, value: await this.#guard(() => this.#backend.decrypt(key, alg as EncryptionAlgorithm, ciphertext, input), "decrypt") };
  }

  async wrap(
    vault: VaultRecord,
    name: string,
    version: string | null,
    alg: string,
    data: Buffer,
  ): Promise<{ record: ObjectVersionRecord; value: Buffer }> {
    const { key, record } = await this.#usable(vault, name, version, "wrapKey", false);
    this.#checkCipher(key, alg, WRAP_ALGORITHMS);
    return { record, value: await this.#guard(() => this.#backend.wrap(key, alg as WrapAlgorithm, data), "wrap") };
  }

  async unwrap(
    vault: VaultRecord,
    name: string,
    version: string | null,
    alg: string,
    wrapped: Buffer,
  ): Promise<{ record: ObjectVersionRecord; value: Buffer }> {
    const { key, record } = await this.#usable(vault, name, version, "unwrapKey", true);
    this.#checkCipher(key, alg, WRAP_ALGORITHMS);
    return { record, value: await this.#guard(() => this.#backend.unwrap(key, alg as WrapAlgorithm, wrapped), "unwrap") };
  }

  async sign(
    vault: VaultRecord,
    name: string,
    version: string | null,
    alg: string,
    digest: Buffer,
  ): Promise<{ record: ObjectVersionRecord; value: Buffer }> {
    const { key, record } = await this.#usable(vault, name, version, "sign", true);
    const algorithm = this.#checkSignature(key, alg, digest);
    return { record, value: await this.#guard(() => this.#backend.sign(key, algorithm, digest), "sign") };
  }

  async verify(vault: VaultRecord, name: string, version: string | null, alg: string, digest: Buffer, signature: Buffer): Promise<boolean> {
    const { key } = await this.#usable(vault, name, version, "verify", false);
    const algorithm = this.#checkSignature(key, alg, digest);
    return this.#guard(() => this.#backend.verify(key, algorithm, digest, signature), "verify");
  }

  /** One opaque error for every failure inside an operation (no padding or tag oracle). */
  async #guard<T>(work: () => Promise<T>, operation: string): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof KeyVaultError) throw error;
      // CryptoFailure, or OpenSSL's own error: the caller learns only that the operation failed.
      throw badParameter(`The ${operation} operation failed.`);
    }
  }
}
