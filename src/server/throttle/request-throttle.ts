import { THROTTLE_CATEGORIES, type CategoryLimits, type ThrottleCategory, type ThrottleLimits } from "../../config/throttle-setting.js";
import { SLICES, SlidingWindow } from "./sliding-window.js";

/** Which limit refused a request: Azure's reason for a vault's, Keyhold's own words for the scopes Azure does not have. */
export type ThrottleScope = "vault" | "caller" | "server";

export interface Throttled {
  scope: ThrottleScope;
  /** Whole seconds until the request would be admitted, at least 1 (`Retry-After`). */
  retryAfterSeconds: number;
}

/** Windows per category, in THROTTLE_CATEGORIES' order; a category without a limit has none. */
type Windows = (SlidingWindow | null)[];

const CATEGORY_INDEX = new Map<ThrottleCategory, number>(THROTTLE_CATEGORIES.map((category, index) => [category, index]));

/**
 * Counts data-plane requests per vault, per caller and across the server, by category, over a sliding window,
 * and refuses one that would go past a limit. A refused request is not counted (Azure does not count its 429s
 * either), so a client that waits for Retry-After gets through.
 *
 * State is in memory, per process: with `--workers N` or several nodes, each counts on its own. Vaults and callers
 * are ones that passed authentication and authorisation, so their number is bounded by the store's; the tables
 * still keep at most `maxEntries` each, forgetting the oldest first.
 */
export class RequestThrottle {
  readonly #sliceMs: number;
  readonly #vaults = new Map<string, Windows>();
  readonly #callers = new Map<string, Windows>();
  readonly #server: Windows;
  /** Whether any category is limited per vault, per caller: a scope without limits keeps no entries. */
  readonly #limitsVaults: boolean;
  readonly #limitsCallers: boolean;

  constructor(
    readonly limits: ThrottleLimits,
    private readonly nowMs: () => number = () => performance.now(),
    private readonly maxEntries = 100_000,
  ) {
    this.#sliceMs = (limits.windowSeconds * 1000) / SLICES;
    this.#server = this.#windows(limits.server);
    this.#limitsVaults = Object.keys(limits.perVault).length > 0;
    this.#limitsCallers = Object.keys(limits.perCaller).length > 0;
  }

  /** Counts the request, or refuses it (counting nothing) when one of its limits is reached. */
  admit(vault: string, callerId: string, category: ThrottleCategory): Throttled | null {
    const index = CATEGORY_INDEX.get(category)!;
    const now = this.nowMs();
    const { perVault, perCaller, server } = this.limits;
    const inVault = this.#limitsVaults ? this.#of(this.#vaults, vault, perVault)[index]! : null;
    const ofCaller = this.#limitsCallers ? this.#of(this.#callers, callerId, perCaller)[index]! : null;
    const inServer = this.#server[index]!;
    const refused =
      refusal("vault", inVault, perVault[category], now) ??
      refusal("caller", ofCaller, perCaller[category], now) ??
      refusal("server", inServer, server[category], now);
    if (refused) return refused;
    inVault?.add();
    ofCaller?.add();
    inServer?.add();
    return null;
  }

  #windows(limits: CategoryLimits): Windows {
    return THROTTLE_CATEGORIES.map((category) => (limits[category] === undefined ? null : new SlidingWindow(this.#sliceMs)));
  }

  #of(table: Map<string, Windows>, key: string, limits: CategoryLimits): Windows {
    let windows = table.get(key);
    if (windows) return windows;
    windows = this.#windows(limits);
    table.set(key, windows);
    if (table.size > this.maxEntries) table.delete(table.keys().next().value!);
    return windows;
  }
}

function refusal(scope: ThrottleScope, window: SlidingWindow | null, limit: number | undefined, now: number): Throttled | null {
  if (!window || limit === undefined || window.count(now) < limit) return null;
  return { scope, retryAfterSeconds: Math.max(1, Math.ceil(window.msUntilBelow(limit, now) / 1000)) };
}
