import { z } from "zod";
import { AUDIT_SINKS, DEFAULT_AUDIT_MAX_FILE_BYTES } from "./audit-setting.js";

/** The `audit` setting of the config file. */
export const auditSettingSchema = z
  .strictObject({
    sink: z
      .enum(AUDIT_SINKS)
      .default("file")
      .meta({
        description:
          "Where the audit trail goes: files in `audit.dir`, the `audit_entries` table of the PostgreSQL `database` (clusters), " +
          "standard output, or nowhere (docs/audit.md)",
      }),
    dir: z.string().min(1).nullable().default(null).meta({
      expected: "directory path or null",
      description: "Directory of the audit files (mode 0700); null: `audit` beside the store file",
    }),
    maxFileBytes: z
      .int()
      .min(64 * 1024)
      .max(1024 * 1024 * 1024)
      .default(DEFAULT_AUDIT_MAX_FILE_BYTES)
      .meta({ description: "Size at which an audit file is closed and the chain continues in the next" }),
    node: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .nullable()
      .default(null)
      .meta({
        expected: "node id (1–64 of `A-Za-z0-9._-`) or null",
        description: "This node's name in the audit trail, stable across restarts; null: the host name",
      }),
  })
  .prefault({});
