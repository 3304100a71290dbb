import { type KeyObject, X509Certificate, randomUUID } from "node:crypto";
import type { Envelope } from "../crypto/envelope.js";
import { type NewKeyMaterial, publicKeyOf } from "../crypto/key-material.js";
import type { CurveName, SignatureAlgorithm } from "../crypto/key-types.js";
import type { CertificateAuthority, LeafCertificateOptions } from "../crypto/x509/certificate-authority.js";
import { type CertificateContent, certificatesFromX5c, readCertificateWithKey } from "../crypto/x509/certificate-content.js";
import { chainForKey } from "../crypto/x509/certificate-chain.js";
import type { CertificateSigner } from "../crypto/x509/signer.js";
import { badParameter, conflict, notFound, objectNotFound } from "../errors/key-vault-error.js";
import type { ObjectKind, VaultRecord } from "../storage/records.js";
import type { Store, StoreOps } from "../storage/store.js";
import {
  CertificateLifecycle,
  type CertificatePublicData,
  type CertificateVersionView,
  type StoredOperation,
  liveState,
  publicDataOf,
  readState,
  writeState,
} from "./certificate-lifecycle.js";
import { checkImportedCertificateCount, checkMergedCertificateCount } from "./certificate-count.js";
import type { CertificateOperation } from "./certificate-operation.js";
import {
  type CertificatePolicy,
  type CertificatePolicyInput,
  SELF_ISSUER,
  UNKNOWN_ISSUER,
  completePolicy,
  mergePolicy,
} from "./certificate-policy.js";
import { certificateSecretValue } from "./certificate-secret.js";
import { importedCertificatePolicy } from "./imported-certificate-policy.js";
import type { KeyService } from "./key-service.js";
import { checkObjectName, checkTags } from "./limits.js";
import { newVersionId } from "./object-lifecycle.js";
import type { SecretService } from "./secret-service.js";

export type { CertificateVersionView } from "./certificate-lifecycle.js";
export { certificateDerOf } from "./certificate-lifecycle.js";

/**
 * The X.509 modules that build, describe and sign certificates and CSRs, with their ASN.1 libraries, take a few
 * hundred milliseconds to load: they load with the first certificate a server makes or imports, not at its start.
 */
const x509Builder = () => import("../crypto/x509/certificate-builder.js");
const x509Description = () => import("../crypto/x509/certificate-description.js");
const x509Csr = () => import("../crypto/x509/csr-builder.js");
const x509Signer = () => import("../crypto/x509/signer.js");

/** What a create, import or merge takes besides its certificate and policy; nbf and exp come from the certificate. */
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
  /** The provider of an issuer registered in the vault, or null when no issuer has that name. */
  issuerProvider: (vault: VaultRecord, name: string) => Promise<string | null>;
  /** This deployment's certificate authority, which signs for issuers of provider `Keyhold`. */
  authority: Pick<CertificateAuthority, "sign" | "certificateDer">;
}

/** The provider name of issuers that Keyhold's own certificate authority serves. */
export const KEYHOLD_PROVIDER = "Keyhold";

/** How a version is signed: by its own key, by the deployment's CA, or outside the vault through a CSR. */
type Signing = { by: "self" } | { by: "authority" } | { by: "csr"; statusDetails: string };

const SIGNATURE_FOR_CURVE: Record<CurveName, SignatureAlgorithm> = {
  "P-256": "ES256",
  "P-384": "ES384",
  "P-521": "ES512",
  "P-256K": "ES256K",
};

const MERGE_PENDING = "Pending certificate created. Please Perform Merge to complete the request.";

const pendingNotFound = (name: string) => notFound("PendingCertificateNotFound", `Pending certificate not found: ${name}`);

/** `months` calendar months after `from` (epoch seconds), in UTC. */
function addMonths(from: number, months: number): number {
  const date = new Date(from * 1000);
  date.setUTCMonth(date.getUTCMonth() + months);
  return Math.floor(date.getTime() / 1000);
}

const publicKeyOfMade = (made: NewKeyMaterial): KeyObject => publicKeyOf(made.description.jwk);

/** Whether a key can serve a new version under `policy` (`reuse_key`): the same type, size or curve. */
function keyFits(made: NewKeyMaterial, policy: CertificatePolicy): boolean {
  const { jwk, size, hsm } = made.description;
  if (!policy.key.type.startsWith(jwk.kty) || policy.key.type.endsWith("-HSM") !== hsm) return false;
  return jwk.kty === "EC" ? jwk.crv === (policy.key.curve ?? "P-256") : size === policy.key.size;
}

/**
 * The Certificates API's rules: issuing a version (its key, certificate and secret written together), merging a
 * certificate signed outside the vault, importing one, the policy and the pending operation; the lifecycle
 * certificates share with the other kinds is `lifecycle`.
 */
export class CertificateService {
  readonly lifecycle: CertificateLifecycle;
  readonly #deps: CertificateServiceDeps;

  constructor(deps: CertificateServiceDeps) {
    this.#deps = deps;
    this.lifecycle = new CertificateLifecycle(deps.store, deps.envelope, deps.now, [deps.keys.lifecycle, deps.secrets.lifecycle]);
  }

  /**
   * A new version made by the policy given (or, without one, by the name's stored policy). Issuer Self and the
   * issuers of the built-in CA sign at once, so the operation answered is already completed; issuer Unknown and
   * providers Keyhold cannot reach leave the operation in progress with a CSR to sign and merge.
   */
  async create(
    vault: VaultRecord,
    name: string,
    policyInput: CertificatePolicyInput | undefined,
    input: NewCertificateInput,
  ): Promise<CertificateOperation> {
    checkObjectName("certificate", name);
    checkTags(input.tags);
    const { store, now } = this.#deps;
    const created = now();
    let policy: CertificatePolicy;
    if (policyInput !== undefined) {
      policy = completePolicy(policyInput, created);
    } else {
      const state = await readState(store, vault, name);
      if (!state) throw badParameter("The parameter 'policy' is required to create a new certificate.");
      policy = state.policy;
    }
    const signing = await this.#signingFor(vault, policy);
    const version = newVersionId();
    const { made, fresh } = await this.#keyFor(vault, name, version, policy);
    const issue = () => this.#issue(vault, name, version, { made, policy, signing, input, created });
    return fresh ? this.#deps.keys.storeNewKey(made, issue) : issue();
  }

  async #issue(
    vault: VaultRecord,
    name: string,
    version: string,
    issuing: { made: NewKeyMaterial; policy: CertificatePolicy; signing: Signing; input: NewCertificateInput; created: number },
  ): Promise<CertificateOperation> {
    const { made, policy, signing, input, created } = issuing;
    const { store } = this.#deps;
    const notBefore = created;
    const expires = addMonths(created, policy.x509.validityMonths);
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

    if (signing.by === "csr") {
      const csr = await (
        await x509Csr()
      ).buildCertificationRequest(
        { ...this.#subjectOf(policy), publicKey: publicKeyOfMade(made) },
        await this.#signer(vault, name, version, made),
      );
      Object.assign(operation, { csr: csr.toString("base64"), status: "inProgress", statusDetails: signing.statusDetails });
      await store.transaction(async (tx) => {
        // The version waits for its certificate; its sealed content is the CSR's key until the merge.
        const publicData: CertificatePublicData = { cer: null, pendingKey: made.description };
        await this.lifecycle.addVersion(
          tx,
          vault,
          name,
          {
            enabled: false,
            notBefore,
            expires,
            created,
            tags: input.tags,
            contentType: null,
            keyOps: null,
            publicData: JSON.stringify(publicData),
            content: made.material,
            ...(made.reference && { backendRef: made.reference }),
          },
          version,
        );
        await writeState(tx, vault, name, { policy, operation });
      });
      return operationOf(operation);
    }

    const leaf: LeafCertificateOptions = {
      ...this.#subjectOf(policy),
      publicKey: publicKeyOfMade(made),
      notBefore: new Date(notBefore * 1000),
      notAfter: new Date(expires * 1000),
    };
    const der =
      signing.by === "self"
        ? await (await x509Builder()).buildCertificate({ ...leaf, issuer: { self: true } }, await this.#signer(vault, name, version, made))
        : await this.#deps.authority.sign(leaf);
    const chain = signing.by === "self" ? [] : [this.#deps.authority.certificateDer()];
    await store.transaction(async (tx) => {
      await this.#writeIssuedIn(tx, vault, name, version, { made, der, chain, policy, ...input, created });
      await writeState(tx, vault, name, { policy, operation });
    });
    return operationOf(operation);
  }

  /** Who signs for the policy's issuer: 400 for an issuer name the vault has not registered. */
  async #signingFor(vault: VaultRecord, policy: CertificatePolicy): Promise<Signing> {
    const name = policy.issuer.name;
    if (name === SELF_ISSUER) return { by: "self" };
    if (name === UNKNOWN_ISSUER) return { by: "csr", statusDetails: MERGE_PENDING };
    const provider = await this.#deps.issuerProvider(vault, name);
    if (provider === null) {
      throw badParameter(`The issuer '${name}' is not registered in this vault: register it, or use issuer Self or Unknown.`);
    }
    if (provider.toLowerCase() === KEYHOLD_PROVIDER.toLowerCase()) return { by: "authority" };
    return {
      by: "csr",
      statusDetails: `Keyhold cannot reach the issuer provider '${provider}'. Have the CSR signed, then merge the certificate.`,
    };
  }

  /** The key of a new version: the current one when the policy reuses keys and it still fits, else a new one. */
  async #keyFor(
    vault: VaultRecord,
    name: string,
    version: string,
    policy: CertificatePolicy,
  ): Promise<{ made: NewKeyMaterial; fresh: boolean }> {
    const { keys, store } = this.#deps;
    if (policy.key.reuseKey) {
      const current = await keys.materialForReuse(store, vault, name);
      if (current && keyFits(current, policy)) return { made: current, fresh: false };
    }
    const ec = policy.key.type.startsWith("EC");
    const made = await keys.generateForCertificate(vault, name, version, {
      family: ec ? "EC" : "RSA",
      hsm: policy.key.type.endsWith("-HSM"),
      size: policy.key.size,
      curve: policy.key.curve ?? "P-256",
    });
    return { made, fresh: true };
  }

  #subjectOf(policy: CertificatePolicy): Omit<LeafCertificateOptions, "publicKey" | "notBefore" | "notAfter"> {
    const { sans } = policy.x509;
    return {
      subject: policy.x509.subject === "" ? [] : policy.x509.subject,
      subjectAlternativeNames: sans,
      keyUsage: policy.x509.keyUsage,
      extendedKeyUsage: policy.x509.ekus,
    };
  }

  /** Signs with the version's own key through the key backend, where the key lives. */
  async #signer(vault: VaultRecord, name: string, version: string, made: NewKeyMaterial): Promise<CertificateSigner> {
    const algorithm: SignatureAlgorithm = made.description.jwk.kty === "EC" ? SIGNATURE_FOR_CURVE[made.description.jwk.crv!] : "RS256";
    const id = `${vault.name.toLowerCase()}/${name.toLowerCase()}/${version}`;
    return (await x509Signer()).digestSigner(algorithm, (digest) => this.#deps.keys.signWithNewKey(id, made, algorithm, digest));
  }

  /** Writes a version with its certificate: the managed key and secret, then the certificate, in the caller's transaction. */
  async #writeIssuedIn(
    tx: StoreOps,
    vault: VaultRecord,
    name: string,
    version: string,
    issued: NewCertificateInput & { made: NewKeyMaterial; der: Buffer; chain: Buffer[]; policy: CertificatePolicy; created: number },
  ): Promise<void> {
    const { keys, secrets } = this.#deps;
    const { made, der, chain, policy, created } = issued;
    const validity = (await x509Description()).describeCertificate(new X509Certificate(der));
    const attributes = { enabled: issued.enabled, notBefore: validity.notBefore, expires: validity.notAfter, created };
    for (const kind of ["key", "secret"] as const) await refuseUnmanaged(tx, vault, kind, name);
    await keys.addCertificateKeyIn(tx, vault, name, version, made, { ...attributes, tags: null });
    const secretValue = await certificateSecretValue(policy, { pkcs8: made.material, certificate: der, chain });
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
        tags: issued.tags,
        contentType: null,
        keyOps: null,
        publicData: JSON.stringify(publicData),
        content: Buffer.alloc(0),
      },
      version,
    );
  }

  /**
   * POST …/pending/merge: completes a pending version with a certificate signed outside the vault. The chain is
   * accepted only when one of its certificates holds the pending key; the merged version is a new one (as in
   * Azure), written with its key and secret, and the operation completes.
   */
  async merge(vault: VaultRecord, name: string, x5c: readonly Buffer[], input: NewCertificateInput): Promise<CertificateVersionView> {
    checkTags(input.tags);
    checkMergedCertificateCount(x5c);
    const certificates = certificatesFromX5c(x5c);
    const { store, now } = this.#deps;
    const version = newVersionId();
    const merged = await store.transaction(async (tx) => {
      const state = await liveState(tx, vault, name);
      const pending = state?.operation?.status === "inProgress" ? await this.#pendingVersionIn(tx, vault, name) : null;
      if (!state?.operation || !pending) throw pendingNotFound(name);
      const { leaf, chain } = chainForKey(certificates, publicKeyOfMade(pending));
      await this.#writeIssuedIn(tx, vault, name, version, {
        made: pending,
        der: leaf.raw,
        chain: chain.map((certificate) => certificate.raw),
        policy: state.policy,
        ...input,
        created: now(),
      });
      const operation: StoredOperation = { ...state.operation, status: "completed", statusDetails: null };
      await writeState(tx, vault, name, { ...state, operation });
      return { record: (await tx.getObjectVersion(vault.name, "certificate", name, version))!, policy: state.policy };
    });
    return { ...this.lifecycle.viewOf(vault, merged.record), policy: merged.policy, pending: true };
  }

  /** The key a pending version's CSR was made with, from the latest version that still waits for its certificate. */
  async #pendingVersionIn(tx: StoreOps, vault: VaultRecord, name: string): Promise<NewKeyMaterial | null> {
    const latest = await tx.getObjectVersion(vault.name, "certificate", name, null);
    const data = latest ? publicDataOf(latest) : null;
    if (!latest || !data?.pendingKey || data.cer !== null) return null;
    return latest.backendRef === null
      ? { description: data.pendingKey, material: this.lifecycle.open(vault, latest) }
      : { description: data.pendingKey, material: Buffer.alloc(0), reference: latest.backendRef };
  }

  /**
   * POST …/import: a certificate with its private key, as PEM or PFX. Its key is checked as a key import is; the
   * policy is made from the certificate (and the policy sent, if any) and becomes the name's policy.
   */
  async import(
    vault: VaultRecord,
    name: string,
    content: CertificateContent,
    password: string | null,
    policyInput: CertificatePolicyInput | undefined,
    input: NewCertificateInput,
  ): Promise<CertificateVersionView> {
    checkObjectName("certificate", name);
    checkTags(input.tags);
    const { keys, store, now } = this.#deps;
    checkImportedCertificateCount(content);
    const imported = await readCertificateWithKey(content, password);
    const hsm = policyInput?.key?.type?.endsWith("-HSM") ?? false;
    const version = newVersionId();
    const made = await keys.importForCertificate(vault, name, version, imported.privateKey, hsm);
    const created = now();
    const description = (await x509Description()).describeCertificate(imported.leaf);
    const policy = importedCertificatePolicy(description, made.description, policyInput, created);
    const record = await keys.storeNewKey(made, () =>
      store.transaction(async (tx) => {
        await this.#writeIssuedIn(tx, vault, name, version, {
          made,
          der: imported.leaf.raw,
          chain: imported.chain.map((certificate) => certificate.raw),
          policy,
          ...input,
          created,
        });
        const state = await readState(tx, vault, name);
        await writeState(tx, vault, name, { policy, operation: state?.operation ?? null });
        return (await tx.getObjectVersion(vault.name, "certificate", name, version))!;
      }),
    );
    return { ...this.lifecycle.viewOf(vault, record), policy, pending: false };
  }

  /** Whether the policy's issuer signs inside the vault (Self, the built-in CA), so that a renewal completes alone. */
  async signsInVault(vault: VaultRecord, policy: CertificatePolicy): Promise<boolean> {
    return (await this.#signingFor(vault, policy)).by !== "csr";
  }

  /** The name's policy; 404 when the certificate does not exist or is deleted. */
  async getPolicy(vault: VaultRecord, name: string): Promise<CertificatePolicy> {
    await this.lifecycle.live(vault, name, null);
    const state = await readState(this.#deps.store, vault, name);
    if (!state) throw objectNotFound("certificate", name);
    return state.policy;
  }

  /** PATCH …/policy: the fields given replace the stored ones; the result is checked as a whole. */
  updatePolicy(vault: VaultRecord, name: string, patch: CertificatePolicyInput): Promise<CertificatePolicy> {
    return this.#deps.store.transaction(async (tx) => {
      const state = await liveState(tx, vault, name);
      if (!state) throw objectNotFound("certificate", name);
      const policy = mergePolicy(state.policy, patch, this.#deps.now());
      await writeState(tx, vault, name, { ...state, policy });
      return policy;
    });
  }

  /** GET …/pending: the last create operation, kept after it completes until a client deletes it. */
  async getOperation(vault: VaultRecord, name: string): Promise<CertificateOperation> {
    const state = await liveState(this.#deps.store, vault, name);
    if (!state?.operation) throw pendingNotFound(name);
    return operationOf(state.operation);
  }

  /**
   * PATCH …/pending: a cancellation of an operation in progress takes effect at once, since no provider is at
   * work on it; the version stays waiting, disabled, and can no longer be merged. Asking to cancel an operation
   * that is over is refused (400), as Azure refuses it.
   */
  cancelOperation(vault: VaultRecord, name: string, cancellationRequested: boolean): Promise<CertificateOperation> {
    return this.#deps.store.transaction(async (tx) => {
      const state = await liveState(tx, vault, name);
      if (!state?.operation) throw pendingNotFound(name);
      if (!cancellationRequested) return operationOf(state.operation);
      if (state.operation.status !== "inProgress") {
        throw badParameter(`The certificate operation is ${state.operation.status}; only an operation in progress can be cancelled.`);
      }
      const operation: StoredOperation = {
        ...state.operation,
        cancellationRequested: true,
        status: "cancelled",
        statusDetails: "The certificate operation was cancelled.",
      };
      await writeState(tx, vault, name, { ...state, operation });
      return operationOf(operation);
    });
  }

  /** DELETE …/pending: forgets the operation and answers with it; the certificate stays. */
  deleteOperation(vault: VaultRecord, name: string): Promise<CertificateOperation> {
    return this.#deps.store.transaction(async (tx) => {
      const state = await liveState(tx, vault, name);
      if (!state?.operation) throw pendingNotFound(name);
      await writeState(tx, vault, name, { ...state, operation: null });
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
