import { badParameter, missingApiVersion, unknownApiVersion } from "../errors/key-vault-error.js";

/**
 * The Key Vault data-plane api-versions Keyhold answers, and what each one's responses hold. A request names
 * its version in `?api-version=`; the answer takes that version's shape: fields that version's schema does
 * not define are left out (docs/api-versions.md has the table and its sources).
 */

/** The stable versions, oldest first; each preview answers in the shape of the stable version it led to. */
const STABLE = ["2015-06-01", "2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "2026-04-01"] as const;
type Stable = (typeof STABLE)[number];

export const LATEST_API_VERSION: Stable = "2026-04-01";

const PREVIEWS: Record<string, Stable> = {
  "7.0-preview": "7.0",
  "7.1-preview": "7.1",
  "7.2-preview": "7.2",
  "7.3-preview": "7.3",
  "7.4-preview.1": "7.4",
  "7.5-preview.1": "7.5",
  "7.6-preview.1": "7.6",
  "7.6-preview.2": "7.6",
  "2025-06-01-preview": "2025-07-01",
  "2025-07-01-preview": "2025-07-01",
  "2026-01-01-preview": "2026-04-01",
  "2026-03-01-preview": "2026-04-01",
  // Previews after the newest stable version: their additions (AKP keys, trusted issuers) are not Keyhold's yet.
  "2026-05-01-preview": "2026-04-01",
  "2026-07-01-preview": "2026-04-01",
};

/** The fields that appeared after the first version, with the stable version that first defines each. */
const SINCE = {
  /** `attributes.recoveryLevel` and the soft-delete fields of deleted objects (recoveryId, deletedDate, scheduledPurgeDate). */
  softDelete: "2016-10-01",
  /** `attributes.recoverableDays`. */
  recoverableDays: "7.1",
  /** Key `attributes.exportable`. */
  exportable: "7.3",
  /** Key `attributes.key_size`, given for symmetric keys. */
  symmetricKeySize: "2026-04-01",
} as const satisfies Record<string, Stable>;

/** What the answer to one request holds: whether each later field is written. */
export type ApiShape = { readonly [F in keyof typeof SINCE]: boolean };

function shapeOf(served: Stable): ApiShape {
  const rank = STABLE.indexOf(served);
  const shape: Record<string, boolean> = {};
  for (const [field, since] of Object.entries(SINCE)) shape[field] = rank >= STABLE.indexOf(since);
  return Object.freeze(shape) as ApiShape;
}

const KNOWN: ReadonlyMap<string, ApiShape> = new Map([
  ...STABLE.map((v) => [v, shapeOf(v)] as const),
  ...Object.entries(PREVIEWS).map(([v, stable]) => [v, shapeOf(stable)] as const),
]);

/** A date version (`YYYY-MM-DD`, optionally `-preview`) that names a real calendar day. */
function datedVersion(value: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:-preview)?$/.exec(value);
  if (!match) return null;
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(date) ? date : null;
}

export interface ApiVersionPolicy {
  /**
   * Dev mode: a well-formed date version newer than the newest Keyhold knows is served as the newest, so a new
   * SDK release keeps working on a developer's machine. Production refuses it, as Azure refuses what it does not know.
   */
  serveNewerAsLatest: boolean;
  /** Told once per such version. */
  onNewerVersion?: (requested: string, served: string) => void;
}

/** Checks a request's api-version and gives the shape its answer takes. */
export class ApiVersions {
  private readonly warned = new Set<string>();

  constructor(private readonly policy: ApiVersionPolicy) {}

  resolve(value: unknown): ApiShape {
    if (Array.isArray(value)) throw badParameter("The api-version query parameter must be given once.");
    if (typeof value !== "string" || value === "") throw missingApiVersion();
    const known = KNOWN.get(value);
    if (known) return known;
    if (!this.policy.serveNewerAsLatest) throw unknownApiVersion(value, LATEST_API_VERSION);
    const date = datedVersion(value);
    if (date === null || date <= LATEST_API_VERSION) throw unknownApiVersion(value, LATEST_API_VERSION);
    if (!this.warned.has(value) && this.warned.size < 100) {
      this.warned.add(value);
      this.policy.onNewerVersion?.(value, LATEST_API_VERSION);
    }
    return KNOWN.get(LATEST_API_VERSION)!;
  }
}
