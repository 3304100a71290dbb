import type { Store } from "../storage/store.js";
import type { AppContext } from "./app-context.js";

/**
 * The work no request asks for: purging soft-deleted objects whose retention has ended, and rotating keys whose
 * rotation policy is due. It runs each round on the one process that `store.leads()` (always this one with the
 * embedded store; with PostgreSQL, the node holding the leader's lock, taken over by another node within a round
 * when the leader dies). Rounds never overlap.
 */
export function startBackgroundWork(store: Store, ctx: AppContext, intervalMs: number, log: (message: string) => void): { stop(): void } {
  let running = false;
  const round = async () => {
    if (running) return;
    running = true;
    try {
      if (!(await store.leads())) return;
      await store.purgeDueObjects(ctx.now());
      await ctx.keys.rotateDueKeys((name) => ctx.vaults.find(name), (key, error) => log(`automatic rotation of ${key} failed: ${error instanceof Error ? error.message : String(error)}`));
    } catch (error) {
      log(`background work failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void round(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
