import { type KeyObject, randomBytes } from "node:crypto";
import type { Envelope } from "../crypto/envelope.js";
import type { BackendKey, CipherInput, CipherOutput, KeyOptions } from "../crypto/key-backend.js";
import type { KeyBackends } from "../crypto/key-backends.js";
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
import {
  KeyVaultError,
  badParameter,
  forbidden,
  hardwareKeyInStandardVault,
  hsmKeyBackupRefused,
  objectNotFound,
} from "../errors/key-vault-error.js";
import { readTransferBlob } from "./key-transfer-blob.js";
import { checkObjectName, checkTags } from "./limits.js";
import { rotationDue, DEFAULT_ROTATION_POLICY, type RotationPolicy, rotatedKeyExpires, validateRotationPolicy } from "./rotation-policy.js";
import { type NewVersion, ObjectLifecycle, type ObjectView, newVersionId } from "./object-lifecycle.js";

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
  /** A bring-your-own-key transfer blob (`key_hsm`): the key arrives wrapped for a key-exchange key of the vault. */
  transferBlob: Buffer | null;
  keyOps: KeyOperation[] | null;
}

export interface KeyServiceDeps {
  store: Store;
  envelope: Envelope;
  /** Software, and the token when one is configured: RSA-HSM and EC-HSM keys of premium vaults are made there. */
  backends: KeyBackends;
  now: () => number;
  /**
   * Dev mode: -HSM key types in premium vaults that no token holds (all of them without a token; oct-HSM, which
   * Azure keeps in Managed HSM only, always) are accepted as software keys. Production refuses them. Standard vaults
   * refuse them in both modes, as Azure's do.
   */
  softwareHsm: boolean;
  onSoftwareHsmKey?: (vault: string, name: string) => void;
}

const SIZES: Record<KeyFamily, readonly number[]> = { RSA: RSA_KEY_SIZES, EC: [], oct: [128, 192, 256] };
const DEFAULT_SIZE: Record<KeyFamily, number> = { RSA: 2048, EC: 0, oct: 256 };

export const describeKey = (record: Pick<ObjectVersionRecord, "publicData">): KeyDescription =>
  JSON.parse(record.publicData!) as KeyDescription;

const LISTING_PAGE = 100;
/** What a token labels a key version's objects with, so that an operator can tell them apart: VAULT/NAME/VERSION. */
const tokenLabel = (vault: VaultRecord, name: string, version: string): string => `${vault.name}/${name}/${version}`;

/** Released token keys destroyed per store read. */
const RELEASE_BATCH = 100;

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
  readonly #backends: KeyBackends;
  readonly #now: () => number;

  constructor(private readonly deps: KeyServiceDeps) {
    this.lifecycle = new ObjectLifecycle<KeyView>(deps.store, deps.envelope, deps.now, {
      kind: "key",
      view: (vault, record, state) => ({ vault, record, description: describeKey(record), ...(state && { state }) }),
      checkAttributes,
      // A backup with any -HSM version is held to the same rules as creating that type.
      checkBackup: (name, versions) => {
        if (versions.some((v) => v.backendRef !== null)) throw hsmKeyBackupRefused(name);
      },
      checkRestore: (vault, name, versions) => {
        for (const v of versions) {
          const d = describeKey(v);
          this.#checkHsm(vault, name, d.hsm, d.jwk.kty);
        }
      },
    });
    this.#store = deps.store;
    this.#backends = deps.backends;
    this.#now = deps.now;
  }

  /** Whether a new key of this type is made in the token. */
  #inToken(hsm: boolean, family: KeyFamily): boolean {
    return hsm && family !== "oct" && this.#backends.token !== null;
  }

  #checkHsm(vault: VaultRecord, name: string, hsm: boolean, family: KeyFamily): void {
    if (!hsm) return;
    if (vault.sku !== "premium") throw hardwareKeyInStandardVault();
    if (this.#inToken(hsm, family)) return;
    if (!this.deps.softwareHsm) {
      throw badParameter(
        family === "oct" && this.#backends.token
          ? "oct-HSM keys are kept in Managed HSM, which this Keyhold deployment does not offer: use RSA-HSM or EC-HSM, or oct."
          : "HSM-protected key types (RSA-HSM, EC-HSM, oct-HSM) need a vault with HSM support, and this Keyhold deployment has no HSM backend.",
      );
    }
    this.deps.onSoftwareHsmKey?.(vault.name, name);
  }

  /** Makes a key in the backend its type belongs to, labelled with the version it will be stored as. */
  #generate(
    vault: VaultRecord,
    name: string,
    version: string,
    family: KeyFamily,
    options: Omit<KeyOptions, "label">,
  ): Promise<NewKeyMaterial> {
    const backend = this.#backends.forNew(this.#inToken(options.hsm, family));
    return backend.generate(family, { ...options, label: tokenLabel(vault, name, version) });
  }

  /**
   * Runs `write`, which stores a key just made; when it fails (a soft-deleted name, a managed key, a certificate that
   * could not be issued), a key made in a token is destroyed there again, or it would stay there for good.
   */
  async storeNewKey<T>(made: NewKeyMaterial, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (made.reference)
        await this.#backends
          .holding(made.reference)
          .destroy(made.reference)
          .catch(() => undefined);
      throw error;
    }
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
      ...(made.reference && { backendRef: made.reference }),
    };
  }

  #addKeyVersion(
    vault: VaultRecord,
    name: string,
    version: string,
    made: NewKeyMaterial,
    input: KeyAttributes & { keyOps: KeyOperation[] | null; created?: number },
  ): Promise<KeyView> {
    return this.storeNewKey(made, () => this.lifecycle.create(vault, name, this.#newVersion(made, input), version));
  }

  // A certificate's key: made and used before it is stored, then written in the certificate's transaction -------

  /** A new key for a certificate, held to the same -HSM rules as a key created directly; not stored yet. */
  async generateForCertificate(
    vault: VaultRecord,
    name: string,
    version: string,
    spec: { family: "RSA" | "EC"; hsm: boolean; size: number; curve: CurveName },
  ): Promise<NewKeyMaterial> {
    this.#checkHsm(vault, name, spec.hsm, spec.family);
    return this.#generate(vault, name, version, spec.family, { size: spec.size, curve: spec.curve, publicExponent: 65537, hsm: spec.hsm });
  }

  /**
   * An imported certificate's private key, checked as a key import is (sizes, exponent, the key's consistency) and
   * held to the same -HSM rules; not stored yet.
   */
  async importForCertificate(
    vault: VaultRecord,
    name: string,
    version: string,
    privateKey: KeyObject,
    hsm: boolean,
  ): Promise<NewKeyMaterial> {
    const jwk = privateKey.export({ format: "jwk" }) as Record<string, unknown>;
    if (jwk.crv === "secp256k1") jwk.crv = "P-256K";
    const family = jwk.kty === "EC" ? "EC" : jwk.kty === "RSA" ? "RSA" : null;
    if (!family) throw badParameter("The certificate's key must be an RSA or EC key.");
    this.#checkHsm(vault, name, hsm, family);
    try {
      const backend = this.#backends.forNew(this.#inToken(hsm, family));
      return await backend.importJwk(jwk, family, { hsm, label: tokenLabel(vault, name, version) });
    } catch (error) {
      if (error instanceof KeyMaterialError) throw badParameter(`The certificate's key is invalid: ${error.message}.`);
      throw error;
    }
  }

  /** The private material of a certificate's current key, for a new version that reuses it (`reuse_key`). */
  async materialForReuse(tx: Pick<StoreOps, "getLiveObjectVersion">, vault: VaultRecord, name: string): Promise<NewKeyMaterial | null> {
    const latest = await tx.getLiveObjectVersion(vault.name, "key", name, null);
    if (!latest) return null;
    return latest.backendRef === null
      ? { description: describeKey(latest), material: this.lifecycle.open(vault, latest) }
      : { description: describeKey(latest), material: Buffer.alloc(0), reference: latest.backendRef };
  }

  /** Signs a digest with a certificate's new key through the backend, before the key is stored (a self-signed certificate). */
  signWithNewKey(id: string, made: NewKeyMaterial, alg: SignatureAlgorithm, digest: Buffer): Promise<Buffer> {
    const reference = made.reference ?? null;
    const key: BackendKey = { id, description: made.description, reference, material: () => made.material };
    return this.#backends.holding(reference).sign(key, alg, digest);
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
    this.#checkHsm(vault, name, input.hsm, input.family);
    const size = input.size ?? DEFAULT_SIZE[input.family];
    if (input.family !== "EC" && !SIZES[input.family].includes(size)) {
      throw badParameter(`The key size ${size} is not supported for ${input.family} keys: use one of ${SIZES[input.family].join(", ")}.`);
    }
    if (input.family !== "EC" && input.curve !== null) throw badParameter(`'crv' applies only to EC keys.`);
    const exponent = input.publicExponent ?? 65537;
    if (input.family === "RSA" && (!Number.isSafeInteger(exponent) || !isAcceptedPublicExponent(exponent))) {
      throw badParameter("The public exponent must be an odd integer of at least 3.");
    }
    const version = newVersionId();
    const made = await this.#generate(vault, name, version, input.family, {
      size,
      curve: input.curve ?? "P-256",
      publicExponent: exponent,
      hsm: input.hsm,
    });
    return this.#addKeyVersion(vault, name, version, made, input);
  }

  async import(vault: VaultRecord, name: string, input: ImportKeyInput): Promise<KeyView> {
    checkObjectName("key", name);
    checkAttributes(input);
    this.#checkHsm(vault, name, input.hsm, input.family);
    const version = newVersionId();
    const label = tokenLabel(vault, name, version);
    if (input.transferBlob) {
      const made = await this.#importTransferBlob(vault, input.transferBlob, input.family, input.hsm, label);
      return this.#addKeyVersion(vault, name, version, made, input);
    }
    let made: NewKeyMaterial;
    try {
      const backend = this.#backends.forNew(this.#inToken(input.hsm, input.family));
      made = await backend.importJwk(input.jwk, input.family, { hsm: input.hsm, label });
    } catch (error) {
      if (error instanceof KeyMaterialError) throw badParameter(`The key to import is invalid: ${error.message}.`);
      throw error;
    }
    return this.#addKeyVersion(vault, name, version, made, input);
  }

  /**
   * Bring your own key (docs/byok.md): the blob's key is unwrapped inside the token under the vault's key-exchange
   * key, an RSA-HSM key of the vault whose only operation is `import`, and never exists in the clear outside it.
   */
  async #importTransferBlob(vault: VaultRecord, blob: Buffer, family: KeyFamily, hsm: boolean, label: string): Promise<NewKeyMaterial> {
    const token = this.#backends.token;
    if (!hsm || family === "oct") throw badParameter("A key transfer blob (key_hsm) imports only as an RSA-HSM or EC-HSM key.");
    if (!token) throw badParameter("Importing a key transfer blob (key_hsm) needs an HSM, and this Keyhold deployment has none.");
    const { kekName, kekVersion, ciphertext } = readTransferBlob(blob);
    const { key, record } = await this.#usable(vault, kekName, kekVersion, "import", true).catch((error: unknown) => {
      if (error instanceof KeyVaultError && error.status === 404) {
        throw badParameter(`The key-exchange key '${kekName}' named by the key transfer blob was not found in this vault.`);
      }
      throw error;
    });
    if (record.backendRef === null || key.description.jwk.kty !== "RSA" || record.keyOps?.join() !== "import") {
      throw badParameter(`The key-exchange key '${kekName}' must be an RSA-HSM key held in the HSM whose only operation is import.`);
    }
    try {
      return await token.importTransferBlob(key, ciphertext, family, { hsm, label });
    } catch (error) {
      if (error instanceof KeyVaultError) throw error;
      throw badParameter(`The key transfer blob could not be unwrapped with the key-exchange key '${kekName}'.`);
    }
  }

  /** A new version of the same type and size, with the latest version's operations and tags (rotate). */
  async rotate(vault: VaultRecord, name: string): Promise<KeyView> {
    const latest = await this.lifecycle.live(vault, name, null);
    const d = describeKey(latest);
    // A key held in a token rotates there or not at all: never into software because the token is gone.
    if (latest.backendRef !== null) this.#backends.holding(latest.backendRef);
    this.#checkHsm(vault, name, d.hsm, d.jwk.kty);
    // The new version expires as the policy says, counted from its creation; checked before generating, so a
    // policy that cannot give a valid expiry costs no key generation.
    const created = this.#now();
    const expires = rotatedKeyExpires(await this.getRotationPolicy(vault, name), created);
    const version = newVersionId();
    const made = await this.#generate(vault, name, version, d.jwk.kty, {
      size: d.size,
      curve: d.jwk.crv ?? "P-256",
      publicExponent: d.jwk.e ? Number(BigInt(`0x${Buffer.from(d.jwk.e, "base64url").toString("hex")}`)) : 65537,
      hsm: d.hsm,
    });
    const keyOps = latest.keyOps as KeyOperation[];
    return this.#addKeyVersion(vault, name, version, made, { enabled: true, notBefore: null, expires, tags: latest.tags, keyOps, created });
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

  /**
   * Destroys in their tokens the keys whose last stored version a purge removed (the store records them in the same
   * transaction as the purge: docs/hsm.md); returns how many. A key its token cannot destroy now stays recorded
   * for the next run, reported through `onError`; one whose token this deployment does not configure, silently.
   */
  async destroyReleasedKeys(onError: (reference: string, error: unknown) => void): Promise<number> {
    // Without a token nothing can be destroyed, and most deployments have none: no store read after every purge.
    if (this.#backends.token === null) return 0;
    let destroyed = 0;
    for (;;) {
      const references = await this.#store.releasedBackendRefs(RELEASE_BATCH);
      const done: string[] = [];
      for (const reference of references) {
        // Without its token configured, a reference waits (quietly: nothing can be done) until it is again.
        const backend = this.#backends.configuredFor(reference);
        if (!backend) continue;
        try {
          await backend.destroy(reference);
          done.push(reference);
        } catch (error) {
          onError(reference, error);
        }
      }
      if (done.length > 0) await this.#store.forgetReleasedBackendRefs(done);
      destroyed += done.length;
      if (references.length < RELEASE_BATCH || done.length < references.length) return destroyed;
    }
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
      reference: record.backendRef,
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
    return {
      record,
      output: await this.#guard(
        () => this.#backends.holding(key.reference).encrypt(key, alg as EncryptionAlgorithm, plaintext, input),
        "encrypt",
      ),
    };
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
    return {
      record,
      value: await this.#guard(
        () => this.#backends.holding(key.reference).decrypt(key, alg as EncryptionAlgorithm, ciphertext, input),
        "decrypt",
      ),
    };
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
    return { record, value: await this.#guard(() => this.#backends.holding(key.reference).wrap(key, alg as WrapAlgorithm, data), "wrap") };
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
    return {
      record,
      value: await this.#guard(() => this.#backends.holding(key.reference).unwrap(key, alg as WrapAlgorithm, wrapped), "unwrap"),
    };
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
    return { record, value: await this.#guard(() => this.#backends.holding(key.reference).sign(key, algorithm, digest), "sign") };
  }

  async verify(vault: VaultRecord, name: string, version: string | null, alg: string, digest: Buffer, signature: Buffer): Promise<boolean> {
    const { key } = await this.#usable(vault, name, version, "verify", false);
    const algorithm = this.#checkSignature(key, alg, digest);
    return this.#guard(() => this.#backends.holding(key.reference).verify(key, algorithm, digest, signature), "verify");
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
