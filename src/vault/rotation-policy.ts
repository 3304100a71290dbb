import { badParameter } from "../errors/key-vault-error.js";

/** A key rotation policy (spec keys.json KeyRotationPolicy), validated as Azure validates it. */
export interface LifetimeAction {
  trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string };
  action: "Rotate" | "Notify";
}

export interface RotationPolicy {
  lifetimeActions: LifetimeAction[];
  expiryTime: string | null;
  created: number | null;
  updated: number | null;
}

/** What Azure reports for a key that has no policy of its own. */
export const DEFAULT_ROTATION_POLICY: RotationPolicy = {
  lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: "Notify" }],
  expiryTime: null,
  created: null,
  updated: null,
};

const DAY = 86_400;

/**
 * The longest duration any policy field may hold. Azure documents minimums (expiry 28 days, rotation and
 * notification 7 days) but no maximum for expiryTime, timeAfterCreate or timeBeforeExpiry, so Keyhold picks
 * 100 years: longer than any real key lifetime, and small enough that "now + duration" is always an exact
 * integer and a date JavaScript (and every store column) can hold.
 */
export const MAX_DURATION_DAYS = 36_500;
const MAX_DURATION_SECONDS = MAX_DURATION_DAYS * DAY;

/** The latest `exp` the API accepts on a key or secret (9999-12-31T23:59:59Z); a policy's expiry never goes past it. */
export const MAX_EXPIRES = 253_402_300_799;

/**
 * Longer inputs are refused before the pattern runs: no duration within the maximum needs more characters (short
 * of padding with zeros), and the pattern's backtracking over a long run of digits takes quadratic time.
 */
const MAX_DURATION_TEXT = 64;

/**
 * ISO 8601 durations as Azure's examples use them (P90D, P3M, P1Y10D, PT48H): each designator at most once, in
 * order, with a whole number (no sign, no fraction), at least one component, and T only before a time component.
 */
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const UNIT_SECONDS = [365 * DAY, 30 * DAY, 7 * DAY, DAY, 3600, 60, 1].map(BigInt);

export type DurationParse = { seconds: number } | { problem: "malformed" | "too long" };

/**
 * Parses an ISO 8601 duration into seconds, years as 365 days and months as 30 (as used for scheduling). The sum
 * is taken in BigInt, so a huge count of any unit is reported as too long rather than overflowing to Infinity or
 * losing precision.
 */
export function parseDuration(text: string): DurationParse {
  if (text.length > MAX_DURATION_TEXT) return { problem: "malformed" };
  const m = DURATION.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return { problem: "malformed" };
  let total = 0n;
  m.slice(1).forEach((count, i) => {
    if (count !== undefined) total += BigInt(count) * UNIT_SECONDS[i]!;
  });
  if (total > BigInt(MAX_DURATION_SECONDS)) return { problem: "too long" };
  return { seconds: Number(total) };
}

/** A well-formed duration within the maximum in seconds, else null (see parseDuration). */
export function durationSeconds(text: string): number | null {
  const parsed = parseDuration(text);
  return "seconds" in parsed ? parsed.seconds : null;
}

function duration(text: unknown, field: string, minimumDays: number): number {
  const parsed: DurationParse = typeof text === "string" ? parseDuration(text) : { problem: "malformed" };
  if ("problem" in parsed) {
    throw badParameter(
      parsed.problem === "too long"
        ? `${field} must be at most ${MAX_DURATION_DAYS} days (P${MAX_DURATION_DAYS}D).`
        : `${field} must be an ISO 8601 duration of whole numbers such as P90D, P3M, P1Y10D or PT48H (each unit at most once, no sign or fraction).`,
    );
  }
  if (parsed.seconds < minimumDays * DAY) throw badParameter(`${field} must be at least ${minimumDays} days (P${minimumDays}D).`);
  return parsed.seconds;
}

/**
 * The `exp` of a version made by rotating under `policy` at `now`: null without an expiryTime. A stored policy
 * is re-checked here because one written before durations were bounded may hold any value; such a policy is
 * refused (the caller sets a new one) rather than producing an expiry no client or store can represent. The
 * result is capped at MAX_EXPIRES, which only matters once the clock is within a century of the year 9999.
 */
export function rotatedKeyExpires(policy: Pick<RotationPolicy, "expiryTime">, now: number): number | null {
  if (policy.expiryTime === null || policy.expiryTime === undefined) return null;
  const seconds = durationSeconds(policy.expiryTime);
  if (seconds === null) {
    throw badParameter(
      `The key's rotation policy has an expiryTime that is not an ISO 8601 duration of at most ${MAX_DURATION_DAYS} days; set the rotation policy again.`,
    );
  }
  return Math.min(now + seconds, MAX_EXPIRES);
}

/**
 * Azure's rules (learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation): expiry at least
 * 28 days; at most one Rotate and one Notify action, each with exactly one trigger; rotation at least 7 days
 * after creation or at least 7 days before expiry; notification at least 7 days before expiry; a trigger
 * before expiry needs an expiry time, and must come before it.
 */
export function validateRotationPolicy(lifetimeActions: LifetimeAction[], expiryTime: string | null): void {
  const expiry = expiryTime === null ? null : duration(expiryTime, "expiryTime", 28);
  const seen = new Set<string>();
  for (const { trigger, action } of lifetimeActions) {
    if (seen.has(action)) throw badParameter(`A rotation policy may have only one ${action} action.`);
    seen.add(action);
    const { timeAfterCreate, timeBeforeExpiry } = trigger;
    if ((timeAfterCreate === undefined) === (timeBeforeExpiry === undefined)) {
      throw badParameter("Each lifetime action needs exactly one trigger: timeAfterCreate or timeBeforeExpiry.");
    }
    if (timeAfterCreate !== undefined) {
      if (action === "Notify") throw badParameter("A Notify action is triggered only by timeBeforeExpiry.");
      const after = duration(timeAfterCreate, "timeAfterCreate", 7);
      if (expiry !== null && after >= expiry) throw badParameter("timeAfterCreate must be shorter than expiryTime.");
    } else {
      const before = duration(timeBeforeExpiry, "timeBeforeExpiry", 7);
      if (expiry === null) throw badParameter("A timeBeforeExpiry trigger needs the policy's expiryTime.");
      if (before >= expiry) throw badParameter("timeBeforeExpiry must be shorter than expiryTime.");
    }
  }
}

/**
 * Whether a key's latest version is due for automatic rotation under its policy's Rotate action: `timeAfterCreate`
 * after that version was created, or `timeBeforeExpiry` before it expires.
 */
export function rotationDue(
  policy: Pick<RotationPolicy, "lifetimeActions">,
  latest: { created: number; expires: number | null },
  now: number,
): boolean {
  const rotate = policy.lifetimeActions.find((a) => a.action === "Rotate");
  if (!rotate) return false;
  if (rotate.trigger.timeAfterCreate !== undefined) {
    const after = durationSeconds(rotate.trigger.timeAfterCreate);
    return after !== null && now >= latest.created + after;
  }
  const before = rotate.trigger.timeBeforeExpiry === undefined ? null : durationSeconds(rotate.trigger.timeBeforeExpiry);
  return before !== null && latest.expires !== null && now >= latest.expires - before;
}
