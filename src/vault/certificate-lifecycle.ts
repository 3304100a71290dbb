import type { Envelope } from "../crypto/envelope.js";
import type { KeyDescription } from "../crypto/key-types.js";
import type { ObjectAttributes, ObjectVersionRecord, VaultRecord } from "../storage/records.js";
import type { Store, StoreOps } from "../storage/store.js";
import type { CertificateOperation } from "./certificate-operation.js";
import type { CertificatePolicy, LifetimeActionType } from "./certificate-policy.js";
import { checkTags } from "./limits.js";
import { hsmKeyBackupRefused } from "../errors/key-vault-error.js";
import type { Backup } from "./object-backup.js";
import { ObjectLifecycle, type ObjectView } from "./object-lifecycle.js";

/** A certificate version as the API shows it. */
export interface CertificateVersionView extends ObjectView {
  /** The certificate's DER; null for a version still waiting for its certificate (a CSR to merge). */
  der: Buffer | null;
  /** The name's policy, where the operation shows it (get of the latest version). */
  policy: CertificatePolicy | null;
  /** Whether the name has a create operation to report (the bundle's `pending` link). */
  pending: boolean;
}

/** An operation as stored: the CSR (when there is one) as base64. */
export type StoredOperation = Omit<CertificateOperation, "csr"> & { csr: string | null };

/**
 * What is kept per certificate name besides its versions (in the store's per-object policy slot): the policy
 * new versions are made by, and the last create operation until a client deletes it.
 */
export interface CertificateState {
  policy: CertificatePolicy;
  operation: StoredOperation | null;
  /** The lifetime actions already run for a version, so that each runs once per version. */
  actedOn?: { version: string; actions: LifetimeActionType[] };
}

/**
 * What a certificate version's public data holds: the certificate, or, while it waits for one, the description of
 * the key its CSR was made with (whose private part is the version's sealed content until the merge).
 */
export interface CertificatePublicData {
  cer: string | null;
  pendingKey?: KeyDescription;
}

export const publicDataOf = (record: Pick<ObjectVersionRecord, "publicData">): CertificatePublicData =>
  JSON.parse(record.publicData!) as CertificatePublicData;

/** The DER of the certificate a version holds; null while the version waits for its certificate. */
export function certificateDerOf(record: Pick<ObjectVersionRecord, "publicData">): Buffer | null {
  const { cer } = publicDataOf(record);
  return cer === null ? null : Buffer.from(cer, "base64");
}

export async function readState(
  reader: Pick<StoreOps, "getObjectPolicy">,
  vault: VaultRecord,
  name: string,
): Promise<CertificateState | null> {
  const stored = await reader.getObjectPolicy(vault.name, "certificate", name);
  return stored === null ? null : (JSON.parse(stored) as CertificateState);
}

/** The state of a certificate that is live (not soft-deleted, not missing), or null. */
export async function liveState(
  reader: Pick<StoreOps, "getLiveObjectVersion" | "getObjectPolicy">,
  vault: VaultRecord,
  name: string,
): Promise<CertificateState | null> {
  return (await reader.getLiveObjectVersion(vault.name, "certificate", name, null)) ? readState(reader, vault, name) : null;
}

export async function writeState(
  tx: Pick<StoreOps, "setObjectPolicy">,
  vault: VaultRecord,
  name: string,
  state: CertificateState,
): Promise<void> {
  await tx.setObjectPolicy(vault.name, "certificate", name, JSON.stringify(state));
}

/**
 * The certificate's part of the shared lifecycle. A certificate owns a key and a secret of its name, whose
 * versions have the certificate's version ids and are marked managed; deleting, recovering, purging, backing up
 * and restoring the certificate does the same to both in one transaction, so the three never part.
 */
export class CertificateLifecycle extends ObjectLifecycle<CertificateVersionView> {
  constructor(
    private readonly certificateStore: Store,
    envelope: Envelope,
    now: () => number,
    private readonly owned: readonly ObjectLifecycle<ObjectView>[],
  ) {
    super(certificateStore, envelope, now, {
      kind: "certificate",
      view: (vault, record, state) => ({
        vault,
        record,
        der: certificateDerOf(record),
        policy: null,
        pending: false,
        ...(state && { state }),
      }),
      checkAttributes: (next) => checkTags(next.tags),
      // A version waiting for its certificate keeps its CSR's key; in an HSM's token, it cannot go into a backup.
      checkBackup: (name, versions) => {
        if (versions.some((v) => v.backendRef !== null)) throw hsmKeyBackupRefused(name);
      },
    });
  }

  /** The latest version carries the name's policy and its pending operation, as Azure's GetCertificate returns them. */
  override async get(vault: VaultRecord, name: string, version: string | null): Promise<CertificateVersionView> {
    const view = await super.get(vault, name, version);
    if (version !== null) return view;
    const state = await readState(this.certificateStore, vault, name);
    return { ...view, policy: state?.policy ?? null, pending: state?.operation != null };
  }

  /** Enabling or disabling a version does the same to its key and secret, so that the three never disagree. */
  override update(
    vault: VaultRecord,
    name: string,
    version: string | null,
    patch: Partial<ObjectAttributes>,
  ): Promise<CertificateVersionView> {
    return this.certificateStore.transaction(async (tx) => {
      const record = await this.updateIn(tx, vault, name, version, (current) => {
        const next = { ...current, ...patch };
        checkTags(next.tags);
        return next;
      });
      if (patch.enabled !== undefined) {
        for (const owned of this.owned) {
          if (!(await tx.getLiveObjectVersion(vault.name, owned.kind, name, record.version))) continue;
          await owned.updateIn(tx, vault, name, record.version, (current) => ({ ...current, enabled: patch.enabled! }));
        }
      }
      return this.#withState(tx, vault, this.viewOf(vault, record));
    });
  }

  /** A latest-version answer (update, recover, restore) carries the policy and the pending link, as Azure's do. */
  async #withState(
    tx: Pick<StoreOps, "getObjectPolicy">,
    vault: VaultRecord,
    view: CertificateVersionView,
  ): Promise<CertificateVersionView> {
    const state = await readState(tx, vault, view.record.name);
    return { ...view, policy: state?.policy ?? null, pending: state?.operation != null };
  }

  override delete(vault: VaultRecord, name: string): Promise<CertificateVersionView> {
    return this.certificateStore.transaction(async (tx) => {
      const view = await this.deleteIn(tx, vault, name);
      for (const owned of await this.#ownedIn(tx, vault, name)) await owned.deleteIn(tx, vault, name);
      return view;
    });
  }

  override recover(vault: VaultRecord, name: string): Promise<CertificateVersionView> {
    return this.certificateStore.transaction(async (tx) => {
      const view = await this.recoverIn(tx, vault, name);
      for (const owned of await this.#ownedIn(tx, vault, name)) await owned.recoverIn(tx, vault, name);
      return this.#withState(tx, vault, view);
    });
  }

  override purge(vault: VaultRecord, name: string): Promise<void> {
    return this.certificateStore.transaction(async (tx) => {
      await this.purgeIn(tx, vault, name);
      for (const owned of await this.#ownedIn(tx, vault, name)) await owned.purgeIn(tx, vault, name);
    });
  }

  /** The key and secret of the name, where they exist: a certificate whose first version is pending has neither yet. */
  async #ownedIn(tx: Pick<StoreOps, "getObjectState">, vault: VaultRecord, name: string): Promise<ObjectLifecycle<ObjectView>[]> {
    const present: ObjectLifecycle<ObjectView>[] = [];
    for (const owned of this.owned) if (await tx.getObjectState(vault.name, owned.kind, name)) present.push(owned);
    return present;
  }

  /** The certificate's versions and policy, with its key's and its secret's versions, in one blob. */
  protected override async backupContents(vault: VaultRecord, name: string): Promise<Backup> {
    const certificate = await this.backupOf(this.certificateStore, vault, name);
    const owned: Backup[] = [];
    for (const lifecycle of await this.#ownedIn(this.certificateStore, vault, name)) {
      owned.push(await lifecycle.backupOf(this.certificateStore, vault, name));
    }
    return { ...certificate, owned };
  }

  /** Restores the certificate with its key and secret, all or nothing; 409 when any of the three names is taken. */
  override async restoreIn(tx: StoreOps, vault: VaultRecord, backup: Backup): Promise<CertificateVersionView> {
    const view = await super.restoreIn(tx, vault, backup);
    for (const part of backup.owned ?? []) await this.#lifecycleOf(part).restoreIn(tx, vault, { ...part, name: backup.name });
    return this.#withState(tx, vault, view);
  }

  override checkRestorable(vault: VaultRecord, backup: Backup): void {
    super.checkRestorable(vault, backup);
    for (const part of backup.owned ?? []) this.#lifecycleOf(part).checkRestorable(vault, part);
  }

  #lifecycleOf(part: Backup): ObjectLifecycle<ObjectView> {
    const lifecycle = this.owned.find((owned) => owned.kind === part.kind);
    if (!lifecycle) throw new Error(`a certificate backup holds a ${part.kind}, which certificates do not own`);
    return lifecycle;
  }
}
