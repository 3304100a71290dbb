import type { Store } from "../storage/store.js";
import type { AuditTrail } from "./audit/audit-trail.js";

/**
 * One condition for this node to serve, asked by `/readyz`: it resolves when met and throws (or never settles)
 * when not. The context's list holds the store's; the audit trail adds its own (its sink writable).
 */
export interface ReadinessCheck {
  /** Said in `/readyz`'s answer when the check fails: a word, never an error message. */
  name: string;
  check: () => Promise<void>;
}

/** How long a check may take before it counts as failed: a store that hangs is not one that serves. */
export const READINESS_TIMEOUT_MS = 2_000;

/** The store answers a read: one round trip to PostgreSQL, a statement on the embedded store's file. */
export const storeReadiness = (store: Store): ReadinessCheck => ({
  name: "store",
  check: async () => void (await store.getMeta("tenant-id")),
});

/** The audit trail can write: a node that cannot would refuse every audited request with 503. */
export const auditReadiness = (trail: Pick<AuditTrail, "checkWritable">): ReadinessCheck => ({
  name: "audit",
  check: () => trail.checkWritable(),
});

/** Runs every check at once; answers the names of those that failed or did not finish in time. */
export async function failedChecks(checks: readonly ReadinessCheck[], timeoutMs = READINESS_TIMEOUT_MS): Promise<string[]> {
  const results = await Promise.all(
    checks.map(async (readiness) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      // A check that throws before returning its promise counts as failed too.
      const done = Promise.resolve()
        .then(() => readiness.check())
        .then(
          () => true,
          () => false,
        );
      const passed = await Promise.race([done, late]);
      clearTimeout(timer);
      return passed ? null : readiness.name;
    }),
  );
  return results.filter((name): name is string => name !== null);
}
