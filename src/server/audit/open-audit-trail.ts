import cluster from "node:cluster";
import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { AuditSetting } from "../../config/audit-setting.js";
import type { Envelope } from "../../crypto/envelope.js";
import type { StoreOps } from "../../storage/store.js";
import { safeNodeId } from "./audit-files.js";
import { FileAuditSink } from "./audit-file-sink.js";
import { loadAuditSigner } from "./audit-signer.js";
import type { AuditSink } from "./audit-sink.js";
import { StdoutAuditSink } from "./audit-stdout-sink.js";
import { AuditTrail } from "./audit-trail.js";

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

/** The trail a server writes, continuing its node's chain, or null when the audit is off. */
export async function openAuditTrail(
  setting: AuditSetting,
  store: Pick<StoreOps, "getMeta" | "initMeta">,
  envelope: Envelope,
  options: { sink?: AuditSink; onWrite?: (ok: boolean) => void } = {},
): Promise<AuditTrail | null> {
  if (setting.sink === "off") return null;
  const node = auditNodeId(setting);
  const signer = await loadAuditSigner(store, envelope);
  let sink = options.sink;
  if (!sink && setting.sink === "file") {
    sink = new FileAuditSink(setting.dir, node, setting.maxFileBytes);
  }
  const trail = await AuditTrail.open(sink ?? new StdoutAuditSink(), signer, {
    node,
    checkpointEvery: CHECKPOINT_EVERY,
    checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
    hmacKey: envelope.deriveKey("audit-hmac"),
    ...(options.onWrite && { onWrite: options.onWrite }),
  });
  if (!options.sink && setting.sink === "file")
    await writeFile(join(setting.dir, AUDIT_PUBLIC_KEY_FILE), signer.publicKeyPem, { mode: 0o600 });
  return trail;
}
