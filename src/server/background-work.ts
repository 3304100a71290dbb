import type { Store } from "../storage/store.js";
import { runLifetimeActions } from "../vault/certificate-lifetime-actions.js";
import type { AppContext } from "./app-context.js";
import { destroyReleasedTokenKeys } from "./token-key-release.js";

/**
 * The work no request asks for: purging soft-deleted objects and vaults whose retention has ended, forgetting
 * expired sign-in sessions, codes and refresh tokens, rotating keys
 * whose rotation policy is due, and running certificates' lifetime actions (renewals, expiry notices). It runs
 * each round on the one process that `store.leads()` (always this one with the embedded store; with PostgreSQL, the
 * node holding the leader's lock, taken over by another node within a round when the leader dies). Rounds never
 * overlap. Times are `ctx.now()`, which dev mode's clock moves.
 */
export function startBackgroundWork(store: Store, ctx: AppContext, intervalMs: number, log: (message: string) => void): { stop(): void } {
  let running = false;
  const measured = ctx.metrics.background;
  const rotationFailures = failureLog(log, "automatic rotation", () => measured.failed("rotation"));
  const renewalFailures = failureLog(log, "certificate lifetime action", () => measured.failed("renewal"));
  const round = async () => {
    if (running) return;
    running = true;
    try {
      const leads = await store.leads();
      measured.leads(leads);
      if (!leads) return;
      measured.purged("objects", await store.purgeDueObjects(ctx.now()));
      measured.purged("vaults", await ctx.vaults.purgeDue());
      await destroyReleasedTokenKeys(ctx.keys, log);
      await ctx.signIn.deleteExpired();
      await rotationFailures.pass(async (report) => {
        measured.rotatedKeys((await ctx.keys.rotateDueKeys((name) => ctx.vaults.find(name), report)).length);
      });
      const certificates = { store, now: ctx.now, certificates: ctx.certificates };
      await renewalFailures.pass(async (report) => {
        measured.renewedCertificates((await runLifetimeActions(certificates, (name) => ctx.vaults.find(name), log, report)).length);
      });
    } catch (error) {
      measured.failed("round");
      log(`background work failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void round(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * How many failing key versions are remembered. Past this many in one round the others are logged every round
 * as before, so that a store full of failing keys cannot make this memory grow without bound.
 */
const MAX_REMEMBERED_FAILURES = 1_000;

/**
 * A key version whose automatic rotation (or a certificate whose renewal) fails would fail again every round,
 * forever; this logs it once. It
 * remembers, per key version, the error last logged, and logs again only when the error changes, or when the
 * version fails after a round in which it did not (it rotated, stopped being due, or was deleted). Only the
 * failures of the last complete pass are kept. Every failure is counted (`counted`), logged or not.
 */
function failureLog(log: (message: string) => void, work: string, counted: () => void) {
  let logged = new Map<string, string>();
  return {
    async pass(run: (report: (key: string, error: unknown, version: string | null) => void) => Promise<unknown>): Promise<void> {
      const failing = new Map<string, string>();
      await run((key, error, version) => {
        counted();
        // Compared and kept truncated: an error message of any length costs bounded memory.
        const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
        const id = `${key}/${version ?? ""}`;
        if (logged.get(id) !== message) log(`${work} of ${key}${version ? ` (version ${version})` : ""} failed: ${message}`);
        if (failing.size < MAX_REMEMBERED_FAILURES) failing.set(id, message);
      });
      logged = failing;
    },
  };
}
