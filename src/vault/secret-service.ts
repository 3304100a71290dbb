import { randomBytes } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { type Envelope, openWithKey, sealWithKey } from "../crypto/envelope.js";
import type { Page, SecretAttributes, SecretState, SecretSummary, SecretVersionRecord, VaultRecord } from "../storage/records.js";
import type { Store } from "../storage/store.js";
import {
  badParameter,
  deletedSecretNotFound,
  forbidden,
  secretInDeletedState,
  secretNotFound,
  conflict,
} from "./errors.js";
import { SECRET_VALUE_MAX_BYTES, checkObjectName, checkTags, CONTENT_TYPE_MAX_CHARS } from "./limits.js";

export interface SecretInput extends SecretAttributes {
  value: string;
}

/** A secret version as the API shows it; `value` only where the operation returns it. */
export interface SecretView {
  vault: VaultRecord;
  record: SecretVersionRecord;
  value?: string;
  state?: SecretState;
}

export interface SecretServiceDeps {
  store: Store;
  envelope: Envelope;
  now: () => number;
}

interface BackupVersion extends SecretAttributes {
  version: string;
  created: number;
  updated: number;
  value: string;
}

interface SecretBackup {
  format: "keyhold-secret-backup-1";
  name: string;
  versions: BackupVersion[];
}

const BACKUP_MAGIC = Buffer.from("KHSB1");
const BACKUP_AAD = "backup/secret";
const SECONDS_PER_DAY = 86_400;

const sealContext = (vault: string, name: string, version: string): string =>
  `secret/${vault.toLowerCase()}/${name.toLowerCase()}/${version.toLowerCase()}`;

const newVersionId = (): string => randomBytes(16).toString("hex");

function checkAttributes(a: SecretAttributes): void {
  checkTags(a.tags);
  if (a.contentType !== null && a.contentType.length > CONTENT_TYPE_MAX_CHARS) {
    throw badParameter(`The content type must be at most ${CONTENT_TYPE_MAX_CHARS} characters long.`);
  }
}

/** The Secrets API's rules, independent of HTTP and of the store behind it. */
export class SecretService {
  readonly #store: Store;
  readonly #envelope: Envelope;
  readonly #now: () => number;
  readonly #backupKey: Buffer;

  constructor(deps: SecretServiceDeps) {
    this.#store = deps.store;
    this.#envelope = deps.envelope;
    this.#now = deps.now;
    this.#backupKey = deps.envelope.deriveKey("secret-backup");
  }

  async set(vault: VaultRecord, name: string, input: SecretInput): Promise<SecretView> {
    checkObjectName("secret", name);
    if (Buffer.byteLength(input.value, "utf8") > SECRET_VALUE_MAX_BYTES) {
      throw badParameter(`The secret value exceeds the maximum size of ${SECRET_VALUE_MAX_BYTES} bytes.`);
    }
    checkAttributes(input);
    const version = newVersionId();
    const now = this.#now();
    const sealedValue = this.#envelope.seal(Buffer.from(input.value, "utf8"), sealContext(vault.name, name, version));
    const record = await this.#store.transaction(async (tx) => {
      const state = await tx.getSecretState(vault.name, name);
      if (state?.deletedAt != null) throw secretInDeletedState(state.name);
      return tx.addSecretVersion({
        vault: vault.name,
        name,
        version,
        created: now,
        updated: now,
        enabled: input.enabled,
        notBefore: input.notBefore,
        expires: input.expires,
        contentType: input.contentType,
        tags: input.tags,
        sealedValue,
      });
    });
    return { vault, record, value: input.value };
  }

  /** Azure returns expired and not-yet-valid secrets; only a disabled version is refused. */
  async get(vault: VaultRecord, name: string, version: string | null): Promise<SecretView> {
    const record = await this.#activeVersion(vault, name, version);
    if (!record.enabled) throw forbidden("Operation get is not allowed on a disabled secret.", "SecretDisabled");
    return { vault, record, value: this.#open(vault, record) };
  }

  async update(vault: VaultRecord, name: string, version: string | null, patch: Partial<SecretAttributes>): Promise<SecretView> {
    return this.#store.transaction(async (tx) => {
      const state = await tx.getSecretState(vault.name, name);
      if (!state || state.deletedAt !== null) throw secretNotFound(name, version ?? undefined);
      const current = await tx.getSecretVersion(vault.name, name, version);
      if (!current) throw secretNotFound(name, version ?? undefined);
      const next: SecretAttributes = {
        enabled: patch.enabled ?? current.enabled,
        notBefore: patch.notBefore !== undefined ? patch.notBefore : current.notBefore,
        expires: patch.expires !== undefined ? patch.expires : current.expires,
        contentType: patch.contentType !== undefined ? patch.contentType : current.contentType,
        tags: patch.tags !== undefined ? patch.tags : current.tags,
      };
      checkAttributes(next);
      const record = await tx.updateSecretVersion(vault.name, name, current.version, next, this.#now());
      if (!record) throw secretNotFound(name, version ?? undefined);
      return { vault, record };
    });
  }

  list(vault: VaultRecord, after: string | null, limit: number): Promise<Page<SecretSummary>> {
    return this.#store.listSecrets(vault.name, false, after, limit);
  }

  async listVersions(vault: VaultRecord, name: string, after: string | null, limit: number): Promise<Page<SecretVersionRecord>> {
    const state = await this.#store.getSecretState(vault.name, name);
    if (!state || state.deletedAt !== null) return { items: [], next: null };
    return this.#store.listSecretVersions(vault.name, name, after, limit);
  }

  async delete(vault: VaultRecord, name: string): Promise<SecretView> {
    const now = this.#now();
    return this.#store.transaction(async (tx) => {
      const state = await tx.getSecretState(vault.name, name);
      if (!state || state.deletedAt !== null) throw secretNotFound(name);
      const scheduledPurge = now + vault.retentionDays * SECONDS_PER_DAY;
      await tx.setSecretDeleted(vault.name, name, now, scheduledPurge);
      const record = (await tx.getSecretVersion(vault.name, name, null))!;
      return { vault, record, state: { ...state, deletedAt: now, scheduledPurge } };
    });
  }

  async getDeleted(vault: VaultRecord, name: string): Promise<SecretView> {
    const state = await this.#store.getSecretState(vault.name, name);
    const record = state?.deletedAt != null ? await this.#store.getSecretVersion(vault.name, name, null) : undefined;
    if (!state || !record) throw deletedSecretNotFound(name);
    return { vault, record, state };
  }

  listDeleted(vault: VaultRecord, after: string | null, limit: number): Promise<Page<SecretSummary>> {
    return this.#store.listSecrets(vault.name, true, after, limit);
  }

  async recover(vault: VaultRecord, name: string): Promise<SecretView> {
    return this.#store.transaction(async (tx) => {
      const state = await tx.getSecretState(vault.name, name);
      if (!state || state.deletedAt === null) throw deletedSecretNotFound(name);
      await tx.setSecretDeleted(vault.name, name, null, null);
      const record = (await tx.getSecretVersion(vault.name, name, null))!;
      return { vault, record };
    });
  }

  async purge(vault: VaultRecord, name: string): Promise<void> {
    await this.#store.transaction(async (tx) => {
      const state = await tx.getSecretState(vault.name, name);
      if (!state || state.deletedAt === null) throw deletedSecretNotFound(name);
      if (vault.purgeProtection) {
        throw forbidden(`Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.`);
      }
      await tx.purgeSecret(vault.name, name);
    });
  }

  /** All versions, sealed under a key derived from this deployment's master key: restorable only here. */
  async backup(vault: VaultRecord, name: string): Promise<Buffer> {
    const state = await this.#store.getSecretState(vault.name, name);
    if (!state || state.deletedAt !== null) throw secretNotFound(name);
    const versions = await this.#store.allSecretVersions(vault.name, name);
    const backup: SecretBackup = {
      format: "keyhold-secret-backup-1",
      name: state.name,
      versions: versions.map((r) => ({
        version: r.version,
        created: r.created,
        updated: r.updated,
        enabled: r.enabled,
        notBefore: r.notBefore,
        expires: r.expires,
        contentType: r.contentType,
        tags: r.tags,
        value: this.#open(vault, r),
      })),
    };
    const plain = gzipSync(Buffer.from(JSON.stringify(backup), "utf8"));
    return Buffer.concat([BACKUP_MAGIC, sealWithKey(this.#backupKey, plain, BACKUP_AAD)]);
  }

  async restore(vault: VaultRecord, blob: Buffer): Promise<SecretView> {
    const backup = this.#readBackup(blob);
    const sealed = backup.versions.map((v) => ({
      ...v,
      sealedValue: this.#envelope.seal(Buffer.from(v.value, "utf8"), sealContext(vault.name, backup.name, v.version)),
    }));
    const record = await this.#store.transaction(async (tx) => {
      const state = await tx.getSecretState(vault.name, backup.name);
      if (state) {
        throw state.deletedAt !== null
          ? secretInDeletedState(state.name)
          : conflict(`Secret ${state.name} already exists in this vault and cannot be restored over.`);
      }
      let last: SecretVersionRecord | undefined;
      for (const v of sealed) {
        last = await tx.addSecretVersion({
          vault: vault.name,
          name: backup.name,
          version: v.version,
          created: v.created,
          updated: v.updated,
          enabled: v.enabled,
          notBefore: v.notBefore,
          expires: v.expires,
          contentType: v.contentType,
          tags: v.tags,
          sealedValue: v.sealedValue,
        });
      }
      return last!;
    });
    return { vault, record };
  }

  #readBackup(blob: Buffer): SecretBackup {
    const invalid = () => badParameter("The backup blob is invalid, was made by another Keyhold deployment, or is not a secret backup.");
    if (blob.length <= BACKUP_MAGIC.length || !blob.subarray(0, BACKUP_MAGIC.length).equals(BACKUP_MAGIC)) throw invalid();
    let backup: SecretBackup;
    try {
      backup = JSON.parse(gunzipSync(openWithKey(this.#backupKey, blob.subarray(BACKUP_MAGIC.length), BACKUP_AAD)).toString("utf8"));
    } catch {
      // Authentication failure, corrupt compression or JSON: one answer, whatever the cause.
      throw invalid();
    }
    if (backup.format !== "keyhold-secret-backup-1" || backup.versions.length === 0) throw invalid();
    return backup;
  }

  async #activeVersion(vault: VaultRecord, name: string, version: string | null): Promise<SecretVersionRecord> {
    const record = await this.#store.getSecretVersion(vault.name, name, version);
    if (!record) throw secretNotFound(name, version ?? undefined);
    const state = await this.#store.getSecretState(vault.name, name);
    if (!state || state.deletedAt !== null) throw secretNotFound(name, version ?? undefined);
    return record;
  }

  #open(vault: VaultRecord, record: SecretVersionRecord): string {
    return this.#envelope.open(record.sealedValue, sealContext(vault.name, record.name, record.version)).toString("utf8");
  }
}
