import { badParameter } from "./errors.js";

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
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** ISO 8601 duration in seconds, years as 365 days and months as 30 (as used for scheduling), or null. */
export function durationSeconds(text: string): number | null {
  const m = DURATION.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return null;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number, number];
  return y * 365 * DAY + mo * 30 * DAY + w * 7 * DAY + d * DAY + h * 3600 + mi * 60 + s;
}

function duration(text: unknown, field: string, minimumDays: number): number {
  const seconds = typeof text === "string" ? durationSeconds(text) : null;
  if (seconds === null) throw badParameter(`${field} must be an ISO 8601 duration such as P90D.`);
  if (seconds < minimumDays * DAY) throw badParameter(`${field} must be at least ${minimumDays} days (P${minimumDays}D).`);
  return seconds;
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
export function rotationDue(policy: Pick<RotationPolicy, "lifetimeActions">, latest: { created: number; expires: number | null }, now: number): boolean {
  const rotate = policy.lifetimeActions.find((a) => a.action === "Rotate");
  if (!rotate) return false;
  if (rotate.trigger.timeAfterCreate !== undefined) {
    const after = durationSeconds(rotate.trigger.timeAfterCreate);
    return after !== null && now >= latest.created + after;
  }
  const before = rotate.trigger.timeBeforeExpiry === undefined ? null : durationSeconds(rotate.trigger.timeBeforeExpiry);
  return before !== null && latest.expires !== null && now >= latest.expires - before;
}
