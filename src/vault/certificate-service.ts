import { X509Certificate, createPrivateKey, randomUUID } from "node:crypto";
import type { Envelope } from "../crypto/envelope.js";
import type { NewKeyMaterial } from "../crypto/key-material.js";
import type { CurveName, SignatureAlgorithm } from "../crypto/key-types.js";
import { buildCertificate } from "../crypto/x509/certificate-builder.js";
import { createPkcs12 } from "../crypto/x509/pkcs12.js";
import { digestSigner } from "../crypto/x509/signer.js";
import { badParameter, conflict, notFound, objectNotFound } from "../errors/key-vault-error.js";
import type { ObjectKind, ObjectVersionRecord, VaultRecord } from "../storage/records.js";
import type { Store, StoreOps } from "../storage/store.js";
import type { CertificateOperation } from "./certificate-operation.js";
import { type CertificatePolicy, type CertificatePolicyInput, SELF_ISSUER, completePolicy, mergePolicy } from "./certificate-policy.js";
import type { KeyService } from "./key-service.js";
import { checkObjectName, checkTags } from "./limits.js";
import { ObjectLifecycle, type ObjectView, newVersionId } from "./object-lifecycle.js";
import type { SecretService } from "./secret-service.js";

/** A certificate version as the API shows it: the leaf's DER, and the name's policy where the operation shows it. */
export interface CertificateVersionView extends ObjectView {
  der: Buffer;
  policy: CertificatePolicy | null;
}

/** What a create takes besides its policy; nbf and exp come from the certificate itself. */
export interface NewCertificateInput {
  enabled: boolean;
  tags: Record<string, string> | null;
}

export interface CertificateServiceDeps {
  store: Store;
  envelope: Envelope;
  now: () => number;
  keys: KeyService;
  secrets: SecretService;
}

/**
 * What is kept per certificate name besides its versions (in the store's per-object policy slot): the policy
 * new versions are made by, and the last create operation until a client deletes it.
 */
interface CertificateState {
  policy: CertificatePolicy;
  operation: StoredOperation | null;
}

/** An operation as stored: the CSR (when there is one) as base64. */
type StoredOperation = Omit<CertificateOperation, "csr"> & { csr: string | null };

/** What a certificate version's public data holds. */
interface CertificatePublicData {
  cer: string;
}

const SIGNATURE_FOR_CURVE: Record<CurveName, SignatureAlgorithm> = {
  "P-256": "ES256",
  "P-384": "ES384",
  "P-521": "ES512",
  "P-256K": "ES256K",
};

/** The DER of the certificate a certificate version holds. */
export const certificateDerOf = (record: Pick<ObjectVersionRecord, "publicData">): Buffer =>
  Buffer.from((JSON.parse(record.publicData!) as CertificatePublicData).cer, "base64");

const pendingNotFound = (name: string) => notFound("PendingCertificateNotFound", `Pending certificate not found: ${name}`);

/** `months` calendar months after `from` (epoch seconds), in UTC. */
function addMonths(from: number, months: number): number {
  const date = new Date(from * 1000);
  date.setUTCMonth(date.getUTCMonth() + months);
  return Math.floor(date.getTime() / 1000);
}

/**
 * The certificate's part of the shared lifecycle. A certificate owns a key and a secret of its name, whose
 * versions have the certificate's version ids and are marked managed; deleting, recovering and purging the
 * certificate does the same to both in one transaction, so the three never part.
 */
class CertificateLifecycle extends ObjectLifecycle<CertificateVersionView> {
  constructor(
    private readonly certificateStore: Store,
    envelope: Envelope,
    now: () => number,
    private readonly owned: readonly ObjectLifecycle<ObjectView>[],
  ) {
    super(certificateStore, envelope, now, {
      kind: "certificate",
      view: (vault, record, state) => ({ vault, record, der: certificateDerOf(record), policy: null, ...(state && { state }) }),
      checkAttributes: (next) => checkTags(next.tags),
    });
  }

  /** The latest version carries the name's policy, as Azure's GetCertificate returns it. */
  override async get(vault: VaultRecord, name: string, version: string | null): Promise<CertificateVersionView> {
    const view = await super.get(vault, name, version);
    if (version !== null) return view;
    const stored = await this.certificateStore.getObjectPolicy(vault.name, "certificate", name);
    return { ...view, policy: stored === null ? null : (JSON.parse(stored) as CertificateState).policy };
  }

  override delete(vault: VaultRecord, name: string): Promise<CertificateVersionView> {
    return this.certificateStore.transaction(async (tx) => {
      const view = await this.deleteIn(tx, vault, name);
      for (const owned of this.owned) await owned.deleteIn(tx, vault, name);
      return view;
    });
  }

  override recover(vault: VaultRecord, name: string): Promise<CertificateVersionView> {
    return this.certificateStore.transaction(async (tx) => {
      const view = await this.recoverIn(tx, vault, name);
      for (const owned of this.owned) await owned.recoverIn(tx, vault, name);
      return view;
    });
  }

  override purge(vault: VaultRecord, name: string): Promise<void> {
    return this.certificateStore.transaction(async (tx) => {
      await this.purgeIn(tx, vault, name);
      for (const owned of this.owned) await owned.purgeIn(tx, vault, name);
    });
  }

  /** A certificate's backup must carry its key and secret; until it does, backup and restore are refused. */
  override backup(): Promise<Buffer> {
    return Promise.reject(badParameter("Certificate backup is not supported by this Keyhold version."));
  }

  override restore(): Promise<CertificateVersionView> {
    return Promise.reject(badParameter("Certificate restore is not supported by this Keyhold version."));
  }
}

/**
 * The Certificates API's rules: issuing a version (its key, certificate and secret written together), the
 * policy and the pending operation; the lifecycle certificates share with the other kinds is `lifecycle`.
 */
export class CertificateService {
  readonly lifecycle: ObjectLifecycle<CertificateVersionView>;
  readonly #deps: CertificateServiceDeps;

  constructor(deps: CertificateServiceDeps) {
    this.#deps = deps;
    this.lifecycle = new CertificateLifecycle(deps.store, deps.envelope, deps.now, [deps.keys.lifecycle, deps.secrets.lifecycle]);
  }

  async #state(reader: Pick<StoreOps, "getObjectPolicy">, vault: VaultRecord, name: string): Promise<CertificateState | null> {
    const stored = await reader.getObjectPolicy(vault.name, "certificate", name);
    return stored === null ? null : (JSON.parse(stored) as CertificateState);
  }

  /**
   * A new version made by the policy given (or, without one, by the name's stored policy). Issuer Self signs the
   * certificate with its own new key at once, so the operation answered is already completed.
   */
  async create(
    vault: VaultRecord,
    name: string,
    policyInput: CertificatePolicyInput | undefined,
    input: NewCertificateInput,
  ): Promise<CertificateOperation> {
    checkObjectName("certificate", name);
    checkTags(input.tags);
    const { keys, secrets, store, now } = this.#deps;
    const created = now();
    let policy: CertificatePolicy;
    if (policyInput !== undefined) {
      policy = completePolicy(policyInput, created);
    } else {
      const state = await this.#state(store, vault, name);
      if (!state) throw badParameter("The parameter 'policy' is required to create a new certificate.");
      policy = state.policy;
    }
    if (policy.issuer.name.toLowerCase() !== SELF_ISSUER.toLowerCase()) {
      throw badParameter(`Certificates from issuer '${policy.issuer.name}' are not supported by this Keyhold version; use issuer Self.`);
    }

    const version = newVersionId();
    const ec = policy.key.type.startsWith("EC");
    const made = await keys.generateForCertificate(vault, name, {
      family: ec ? "EC" : "RSA",
      hsm: policy.key.type.endsWith("-HSM"),
      size: policy.key.size,
      curve: policy.key.curve ?? "P-256",
    });
    const notBefore = created;
    const expires = addMonths(created, policy.x509.validityMonths);
    const der = await this.#selfSigned(vault, name, version, policy, made, notBefore, expires);
    const secretValue = await secretValueOf(policy, made, der);

    const attributes = { enabled: input.enabled, notBefore, expires, created };
    const operation: StoredOperation = {
      issuer: policy.issuer,
      csr: null,
      cancellationRequested: false,
      status: "completed",
      statusDetails: null,
      error: null,
      target: null,
      requestId: randomUUID(),
    };
    await store.transaction(async (tx) => {
      for (const kind of ["key", "secret"] as const) await refuseUnmanaged(tx, vault, kind, name);
      await keys.addCertificateKeyIn(tx, vault, name, version, made, { ...attributes, tags: null });
      await secrets.lifecycle.addVersion(
        tx,
        vault,
        name,
        {
          ...attributes,
          tags: null,
          contentType: policy.secret.contentType,
          keyOps: null,
          publicData: null,
          content: Buffer.from(secretValue, "utf8"),
          managed: true,
        },
        version,
      );
      const publicData: CertificatePublicData = { cer: der.toString("base64") };
      await this.lifecycle.addVersion(
        tx,
        vault,
        name,
        {
          ...attributes,
          tags: input.tags,
          contentType: null,
          keyOps: null,
          publicData: JSON.stringify(publicData),
          content: Buffer.alloc(0),
        },
        version,
      );
      const state: CertificateState = { policy, operation };
      await tx.setObjectPolicy(vault.name, "certificate", name, JSON.stringify(state));
    });
    return operationOf(operation);
  }

  async #selfSigned(
    vault: VaultRecord,
    name: string,
    version: string,
    policy: CertificatePolicy,
    made: NewKeyMaterial,
    notBefore: number,
    expires: number,
  ): Promise<Buffer> {
    const algorithm: SignatureAlgorithm = policy.key.curve ? SIGNATURE_FOR_CURVE[policy.key.curve] : "RS256";
    const id = `${vault.name.toLowerCase()}/${name.toLowerCase()}/${version}`;
    const signer = digestSigner(algorithm, (digest) => this.#deps.keys.signWithNewKey(id, made, algorithm, digest));
    const { sans } = policy.x509;
    return buildCertificate(
      {
        subject: policy.x509.subject === "" ? [] : policy.x509.subject,
        publicKey: createPrivateKey({ key: made.material, format: "der", type: "pkcs8" }),
        notBefore: new Date(notBefore * 1000),
        notAfter: new Date(expires * 1000),
        issuer: { self: true },
        subjectAlternativeNames: { dnsNames: sans.dnsNames, emails: sans.emails, upns: sans.upns },
        keyUsage: policy.x509.keyUsage,
        extendedKeyUsage: policy.x509.ekus,
      },
      signer,
    );
  }

  /** The name's policy; 404 when the certificate does not exist or is deleted. */
  async getPolicy(vault: VaultRecord, name: string): Promise<CertificatePolicy> {
    await this.lifecycle.live(vault, name, null);
    const state = await this.#state(this.#deps.store, vault, name);
    if (!state) throw objectNotFound("certificate", name);
    return state.policy;
  }

  /** PATCH …/policy: the fields given replace the stored ones; the result is checked as a whole. */
  updatePolicy(vault: VaultRecord, name: string, patch: CertificatePolicyInput): Promise<CertificatePolicy> {
    return this.#deps.store.transaction(async (tx) => {
      const state = (await tx.getLiveObjectVersion(vault.name, "certificate", name, null)) && (await this.#state(tx, vault, name));
      if (!state) throw objectNotFound("certificate", name);
      const policy = mergePolicy(state.policy, patch, this.#deps.now());
      const updated: CertificateState = { ...state, policy };
      await tx.setObjectPolicy(vault.name, "certificate", name, JSON.stringify(updated));
      return policy;
    });
  }

  /** GET …/pending: the last create operation, kept after it completes until a client deletes it. */
  async getOperation(vault: VaultRecord, name: string): Promise<CertificateOperation> {
    const state =
      (await this.#deps.store.getLiveObjectVersion(vault.name, "certificate", name, null)) &&
      (await this.#state(this.#deps.store, vault, name));
    if (!state?.operation) throw pendingNotFound(name);
    return operationOf(state.operation);
  }

  /** DELETE …/pending: forgets the operation and answers with it; the certificate stays. */
  deleteOperation(vault: VaultRecord, name: string): Promise<CertificateOperation> {
    return this.#deps.store.transaction(async (tx) => {
      const state = (await tx.getLiveObjectVersion(vault.name, "certificate", name, null)) && (await this.#state(tx, vault, name));
      if (!state?.operation) throw pendingNotFound(name);
      const forgotten: CertificateState = { ...state, operation: null };
      await tx.setObjectPolicy(vault.name, "certificate", name, JSON.stringify(forgotten));
      return operationOf(state.operation);
    });
  }
}

const operationOf = (stored: StoredOperation): CertificateOperation => ({
  ...stored,
  csr: stored.csr === null ? null : Buffer.from(stored.csr, "base64"),
});

/** A key or secret of the certificate's name that the certificate does not own cannot become its (409). */
async function refuseUnmanaged(tx: StoreOps, vault: VaultRecord, kind: ObjectKind, name: string): Promise<void> {
  const latest = await tx.getObjectVersion(vault.name, kind, name, null);
  if (latest && !latest.managed) {
    throw conflict(`A ${kind} named ${name} already exists and does not belong to a certificate; choose another certificate name.`);
  }
}

/**
 * The certificate's secret: PFX without a password, base64, or PEM text (the private key, then the certificate).
 * A non-exportable key stays out of it: the secret then holds the certificate alone.
 */
async function secretValueOf(policy: CertificatePolicy, made: NewKeyMaterial, der: Buffer): Promise<string> {
  const certificatePem = new X509Certificate(der).toString();
  if (policy.secret.contentType === "application/x-pem-file") {
    if (!policy.key.exportable) return certificatePem;
    const keyPem = createPrivateKey({ key: made.material, format: "der", type: "pkcs8" }).export({
      format: "pem",
      type: "pkcs8",
    }) as string;
    return `${keyPem}${certificatePem}`;
  }
  if (!policy.key.exportable) return der.toString("base64");
  return (await createPkcs12({ pkcs8: made.material, certificate: der, chain: [] }, null)).toString("base64");
}
