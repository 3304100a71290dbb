import cluster from "node:cluster";
import { mkdir, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { AuditSetting } from "../../config/audit-setting.js";
import { ConfigError } from "../../config/config-error.js";
import type { Envelope } from "../../crypto/envelope.js";
import type { StoreOps } from "../../storage/store.js";
import { safeNodeId } from "./audit-files.js";
import { FileAuditSink } from "./audit-file-sink.js";
import { type AuditSigner, loadAuditSigner } from "./audit-signer.js";
import type { AuditSink } from "./audit-sink.js";
import { StdoutAuditSink } from "./audit-stdout-sink.js";
import { AuditTrail, type AuditTrailOptions } from "./audit-trail.js";

/** A checkpoint at least every this many entries, and within this long of any unsigned entry. */
const CHECKPOINT_EVERY = 1000;
const CHECKPOINT_INTERVAL_MS = 10_000;

/** Where the file sink puts the checkpoints' public key, for `keyhold audit verify`. */
export const AUDIT_PUBLIC_KEY_FILE = "audit-signing-key.pem";

/**
 * This process's chain id: the configured node (or the host name), and the worker's number when several
 * processes serve, since each process writes a chain of its own.
 */
export function auditNodeId(setting: Pick<AuditSetting, "node">): string {
  const base = safeNodeId(setting.node ?? hostname());
  return cluster.isWorker && cluster.worker ? `${base}-w${cluster.worker.id}` : base;
}

/**
 * The trail a server writes, continuing its node's chain, or null when the audit is off. `databaseUrl` is the
 * server's PostgreSQL database, which the PostgreSQL sink writes to (null: the server runs on SQLite).
 */
export async function openAuditTrail(
  setting: AuditSetting,
  store: Pick<StoreOps, "getMeta" | "initMeta">,
  envelope: Envelope,
  options: { sink?: AuditSink; databaseUrl?: string | null } & Pick<AuditTrailOptions, "onWrite" | "onCheckpoint"> = {},
): Promise<AuditTrail | null> {
  if (setting.sink === "off") return null;
  if (setting.sink === "postgres" && !options.databaseUrl)
    throw new ConfigError(
      'audit.sink: "postgres" writes the trail to the server\'s PostgreSQL database, and this server runs on SQLite ' +
        '(give it a database: "database" in the config file, or --database)',
    );
  const node = auditNodeId(setting);
  const signer = await loadAuditSigner(store, envelope);
  const sink = options.sink ?? (await openSink(setting, node, signer, options.databaseUrl ?? null));
  return AuditTrail.open(sink, signer, {
    node,
    checkpointEvery: CHECKPOINT_EVERY,
    checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
    hmacKey: envelope.deriveKey("audit-hmac"),
    ...(options.onWrite && { onWrite: options.onWrite }),
    ...(options.onCheckpoint && { onCheckpoint: options.onCheckpoint }),
  });
}

/** The configured sink, with the checkpoints' public key stored beside the trail for `keyhold audit verify`. */
async function openSink(setting: AuditSetting, node: string, signer: AuditSigner, databaseUrl: string | null): Promise<AuditSink> {
  if (setting.sink === "postgres" && databaseUrl) {
    // Loaded only here: the PostgreSQL driver would otherwise add ~100 ms to every SQLite start.
    const { PostgresAuditSink } = await import("./audit-postgres-sink.js");
    const sink = new PostgresAuditSink(databaseUrl, node);
    try {
      await sink.publishPublicKey(signer.keyId, signer.publicKeyPem);
    } catch (error) {
      await sink.close();
      throw error;
    }
    return sink;
  }
  if (setting.sink !== "file") return new StdoutAuditSink();
  await mkdir(setting.dir, { recursive: true, mode: 0o700 });
  await writeFile(join(setting.dir, AUDIT_PUBLIC_KEY_FILE), signer.publicKeyPem, { mode: 0o600 });
  return new FileAuditSink(setting.dir, node, setting.maxFileBytes);
}
