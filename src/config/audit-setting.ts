export const AUDIT_SINKS = ["file", "postgres", "stdout", "off"] as const;
export type AuditSinkKind = (typeof AUDIT_SINKS)[number];
export const DEFAULT_AUDIT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/** The audit trail as a server runs it (docs/audit.md): where entries go, and which node's chain this is. */
export interface AuditSetting {
  sink: AuditSinkKind;
  /** The directory of the file sink. */
  dir: string;
  maxFileBytes: number;
  /** This node's chain id, or null for the host name. */
  node: string | null;
}
