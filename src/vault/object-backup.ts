import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { openWithAnyKey, sealWithKey } from "../crypto/envelope.js";
import type { ObjectAttributes, ObjectKind } from "../storage/records.js";
import { badParameter } from "../errors/key-vault-error.js";

/** One version in a backup: its attributes, dates and identity, with its confidential content opened. */
export interface BackupVersion extends ObjectAttributes {
  version: string;
  created: number;
  updated: number;
  /** Absent from backups made before the attribute existed: those objects were not managed. */
  managed?: boolean;
  publicData: string | null;
  content: string;
}

/** Every version of one object and its policy, as a backup blob carries them. */
export interface Backup {
  format: "keyhold-backup-1";
  kind: ObjectKind;
  name: string;
  policy: string | null;
  versions: BackupVersion[];
  /** The objects whose lifetime this one owns (a certificate's key and secret), in the same blob. */
  owned?: Backup[];
}

const BACKUP_MAGIC = Buffer.from("KHB1");
// On the thread pool: a backup of hundreds of versions is megabytes, whose (de)compression would hold the event loop.
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Compressed, then sealed under a key derived for the kind of object: a blob restores only into this deployment. */
export async function sealBackup(key: Buffer, backup: Backup): Promise<Buffer> {
  const plain = await gzipAsync(Buffer.from(JSON.stringify(backup), "utf8"));
  return Buffer.concat([BACKUP_MAGIC, sealWithKey(key, plain, `backup/${backup.kind}`)]);
}

/** `keys`: the kind's backup key derived from each configured master key, so older backups restore after a rotation. */
export async function openBackup(keys: readonly Buffer[], kind: ObjectKind, blob: Buffer): Promise<Backup> {
  // Azure's own words, whatever the cause (tampered, another deployment's, another kind's): SDK tests compare them.
  const invalid = () => badParameter("Backup blob contains invalid or corrupt version.");
  if (blob.length <= BACKUP_MAGIC.length || !blob.subarray(0, BACKUP_MAGIC.length).equals(BACKUP_MAGIC)) throw invalid();
  let backup: Backup;
  try {
    const plain = openWithAnyKey(keys, blob.subarray(BACKUP_MAGIC.length), `backup/${kind}`);
    backup = JSON.parse((await gunzipAsync(plain)).toString("utf8")) as Backup;
  } catch {
    // Authentication failure, corrupt compression or JSON: one answer, whatever the cause.
    throw invalid();
  }
  if (backup.format !== "keyhold-backup-1" || backup.kind !== kind || backup.versions.length === 0) throw invalid();
  return backup;
}
