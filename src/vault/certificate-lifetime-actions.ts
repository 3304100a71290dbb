import type { ObjectVersionRecord, VaultRecord } from "../storage/records.js";
import type { Store } from "../storage/store.js";
import { type CertificateState, publicDataOf, readState, writeState } from "./certificate-lifecycle.js";
import type { CertificateLifetimeAction, LifetimeActionType } from "./certificate-policy.js";
import type { CertificateService } from "./certificate-service.js";

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

export interface LifetimeActionDeps {
  store: Store;
  now: () => number;
  certificates: Pick<CertificateService, "create" | "signsInVault">;
}

/**
 * The background work of certificates, for the latest issued version of each live certificate: AutoRenew makes a
 * new version by the name's policy when it falls due (for issuers that sign in the vault: Self and the built-in CA);
 * EmailContacts is reported through `onEvent` once per version (Keyhold sends no mail). Returns the renewed names.
 */
export async function runLifetimeActions(
  deps: LifetimeActionDeps,
  vaults: (name: string) => Promise<VaultRecord | undefined>,
  onEvent: (message: string) => void,
  onError: (certificate: string, error: unknown, version: string | null) => void,
): Promise<string[]> {
  const { store, now, certificates } = deps;
  const renewed: string[] = [];
  for (const { vault: vaultName, name, policy: stored } of await store.listObjectPolicies("certificate")) {
    let version: string | null = null;
    try {
      const vault = await vaults(vaultName);
      const latest = vault && (await store.getLiveObjectVersion(vault.name, "certificate", name, null));
      if (!vault || !latest || publicDataOf(latest).cer === null) continue;
      version = latest.version;
      const state = JSON.parse(stored) as CertificateState;
      const due = dueLifetimeActions(state.policy.lifetimeActions, latest, now()).filter(
        (action) => !(state.actedOn?.version === latest.version && state.actedOn.actions.includes(action)),
      );
      if (due.includes("EmailContacts")) {
        onEvent(
          `certificate ${vault.name}/${name} (version ${latest.version}) expires at ${new Date(latest.expires! * 1000).toISOString()}: ` +
            "its lifetime action EmailContacts is due; Keyhold sends no mail, tell the vault's certificate contacts",
        );
        await recordActedOn(store, vault, name, latest.version, "EmailContacts");
      }
      if (due.includes("AutoRenew") && (await certificates.signsInVault(vault, state.policy))) {
        await certificates.create(vault, name, undefined, { enabled: true, tags: latest.tags });
        renewed.push(`${vault.name}/${name}`);
      }
    } catch (error) {
      onError(`${vaultName}/${name}`, error, version);
    }
  }
  return renewed;
}

/** Remembers that an action ran for a version, so that a once-per-version action does not run every round. */
function recordActedOn(store: Store, vault: VaultRecord, name: string, version: string, action: LifetimeActionType): Promise<void> {
  return store.transaction(async (tx) => {
    const state = await readState(tx, vault, name);
    if (!state) return;
    const actions = state.actedOn?.version === version ? state.actedOn.actions : [];
    await writeState(tx, vault, name, { ...state, actedOn: { version, actions: [...actions, action] } });
  });
}
