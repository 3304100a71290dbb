import { Counter, Gauge, type Registry } from "prom-client";

/** What one round of background work did, as `startBackgroundWork` tells it. */
export interface BackgroundMetrics {
  /** Whether this process led the round (ran the work) or another node did. */
  leads(leading: boolean): void;
  purged(what: "objects" | "vaults", count: number): void;
  rotatedKeys(count: number): void;
  renewedCertificates(count: number): void;
  failed(work: BackgroundWork): void;
}

/** The kinds of background work, a bounded label. */
export type BackgroundWork = "round" | "rotation" | "renewal";

export function backgroundMetrics(registry: Registry): BackgroundMetrics {
  const leader = new Gauge({
    name: "keyhold_leader",
    help: "1 while this process leads the background work (purges, rotations, renewals), else 0",
    registers: [registry],
    // A state, not a count: across a cluster's processes it is 1 when one of them (the primary) leads.
    aggregator: "max",
  });
  const purged = new Counter({
    name: "keyhold_background_purged_total",
    help: "Soft-deleted objects and vaults purged once their retention ended",
    labelNames: ["what"] as const,
    registers: [registry],
    aggregator: "sum",
  });
  const rotations = new Counter({
    name: "keyhold_key_rotations_total",
    help: "Keys rotated by their rotation policy",
    registers: [registry],
    aggregator: "sum",
  });
  const renewals = new Counter({
    name: "keyhold_certificate_renewals_total",
    help: "Certificates renewed by their lifetime actions",
    registers: [registry],
    aggregator: "sum",
  });
  const failures = new Counter({
    name: "keyhold_background_failures_total",
    help: "Background work that failed: a whole round, or one key's rotation or one certificate's renewal",
    labelNames: ["work"] as const,
    registers: [registry],
    aggregator: "sum",
  });
  return {
    leads: (leading) => leader.set(leading ? 1 : 0),
    purged: (what, count) => purged.labels(what).inc(count),
    rotatedKeys: (count) => rotations.inc(count),
    renewedCertificates: (count) => renewals.inc(count),
    failed: (work) => failures.labels(work).inc(),
  };
}
