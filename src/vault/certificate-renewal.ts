import type { ObjectVersionRecord } from "../storage/records.js";
import type { CertificateLifetimeAction, LifetimeActionType } from "./certificate-policy.js";

const SECONDS_PER_DAY = 86_400;

/**
 * When a lifetime action of a version falls due (epoch seconds): at a percentage of its validity counted from its
 * notBefore, or some days before it expires. A version without both dates has no lifetime to act on.
 */
export function lifetimeActionDue(
  action: CertificateLifetimeAction,
  version: Pick<ObjectVersionRecord, "notBefore" | "expires">,
): number | null {
  const { notBefore, expires } = version;
  if (notBefore === null || expires === null) return null;
  if ("lifetimePercentage" in action.trigger) {
    return notBefore + Math.floor(((expires - notBefore) * action.trigger.lifetimePercentage) / 100);
  }
  return expires - action.trigger.daysBeforeExpiry * SECONDS_PER_DAY;
}

/** The actions of `actions` that are due at `now` for `version`. */
export function dueLifetimeActions(
  actions: readonly CertificateLifetimeAction[],
  version: Pick<ObjectVersionRecord, "notBefore" | "expires">,
  now: number,
): LifetimeActionType[] {
  return actions
    .filter((action) => {
      const due = lifetimeActionDue(action, version);
      return due !== null && due <= now;
    })
    .map((action) => action.action);
}
