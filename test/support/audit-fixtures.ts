import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { auditKeyId, type AuditSigner } from "../../src/server/audit/audit-signer.js";
import type { AuditRecord } from "../../src/server/audit/audit-entry.js";
import type { AuditSink } from "../../src/server/audit/audit-sink.js";
import { AuditTrail } from "../../src/server/audit/audit-trail.js";

/** An Ed25519 signer made in memory, as loadAuditSigner makes one from the store. */
export function testSigner(): AuditSigner {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    keyId: auditKeyId(publicKey),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    sign: (p) =>
      sign(null, Buffer.from(`keyhold-audit-checkpoint\n${p.node}\n${p.seq}\n${p.time}\n${p.prev}`), privateKey).toString("base64"),
  };
}

export const openTestTrail = (sink: AuditSink, signer: AuditSigner, checkpointEvery = 5): Promise<AuditTrail> =>
  AuditTrail.open(sink, signer, { node: "node-a", checkpointEvery, checkpointIntervalMs: 60_000, hmacKey: randomBytes(32) });

export const testRecord = (i: number): AuditRecord => ({
  type: "request",
  requestId: `request-${i}`,
  operationName: "SecretGet",
  operation: "secrets/get",
  vault: "v1",
  object: { name: `s${i}`, version: null },
  caller: { principalId: "p1", credentialId: "c1", kind: "servicePrincipal", sourceAddress: "127.0.0.1" },
});

/** Six request entries, all in vault v1 but the fifth (a KeySign in vault "other"): what the CLI's searches filter. */
export async function appendSearchableEntries(trail: AuditTrail): Promise<void> {
  for (let i = 0; i < 6; i++) await trail.append({ ...testRecord(i), ...(i === 4 && { vault: "other", operationName: "KeySign" }) });
}

/** A sink around another whose writes, or only its flushes, fail while set (a full disk, a failed fsync). */
export class SwitchableSink implements AuditSink {
  failing = false;
  failingSync = false;
  /** While set, flushes wait for it (a slow disk). */
  syncGate: Promise<void> | null = null;
  writes = 0;
  syncs = 0;
  constructor(private readonly inner: AuditSink) {}
  head() {
    return this.inner.head();
  }
  async write(lines: readonly string[]) {
    this.writes += 1;
    if (this.failing) throw Object.assign(new Error("write failed"), { code: "EIO" });
    await this.inner.write(lines);
  }
  async sync() {
    this.syncs += 1;
    await this.syncGate;
    if (this.failing || this.failingSync) throw Object.assign(new Error("fdatasync failed"), { code: "EIO" });
    await this.inner.sync();
  }
  close() {
    return this.inner.close();
  }
}
