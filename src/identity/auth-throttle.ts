import { createHash } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";

/**
 * Limits on failed credential checks at the token endpoints (client secrets, identity headers) and at sign-in
 * (users' passwords, where the user name stands for the client id), so that nobody can make the server run scrypt
 * without end: every check costs tens of milliseconds of CPU or more, and the endpoints need no authentication.
 *
 * Two token buckets per attempt, one for the client id (or managed identity id) it names and one for the address
 * it comes from; each holds `burst` attempts and refills at `perMinute`. An attempt takes one token from each
 * before any hash is computed (so that many concurrent attempts cannot all pass the check before the first
 * failure is counted); a success gives its two tokens back, a failure keeps them. So only failures count, and a
 * success from an address gives back only what that attempt took: it does not clear the address's failures for
 * other client ids. An attempt with either bucket empty is refused (429) without a hash.
 *
 * One address may also have only `concurrentPerAddress` checks under way at once (waiting for the hash pool or
 * hashing): without that, one address flooding the endpoint kept the pool's small queue full, and every other
 * client's first authentication was refused as "busy". Refusals for too many failures or too many attempts at
 * once are answered after `holdMs` (a tarpit): a flooding connection then sends about one attempt a second
 * instead of thousands, each refused answer costing the server about what a health check does; nobody waiting for
 * such an answer could have had a better one sooner (Retry-After says when to come back). Answers held at once are
 * at most one per open connection (HTTP/1.1 answers a connection's requests in turn), and connections are capped
 * per process. A refusal because the hash pool's queue is full is not held: it says the server is busy, not that
 * the caller did anything wrong.
 *
 * The per-client limit applies to client ids that do not exist exactly as to ones that do, so a 429 says nothing
 * about whether an id exists. IPv6 addresses count per /64 (one host usually holds a whole /64), IPv4-mapped IPv6
 * as IPv4. The address is the TCP peer's: Keyhold trusts no X-Forwarded-For, so behind a proxy or a load balancer
 * that does not keep the client's address, every client shares the proxy's bucket.
 *
 * Memory is bounded: each table keeps at most `maxEntries` keys (least recently used first out) and client ids
 * are keyed by at most 64 characters (longer ones by their SHA-256), so hostile input of endless distinct ids or
 * addresses holds a fixed amount. Evicting a key forgets its failures; an attacker who can rotate through more
 * than `maxEntries` addresses can so retry sooner, but that is bounded in turn by the hash pool (hash-pool.ts),
 * which never runs more than its few threads of hashes nor queues more than a few jobs.
 *
 * State is in memory, per process: with several Keyhold nodes on PostgreSQL (or `--workers N`), each node
 * (worker) counts on its own, so a client id gets up to the limit at each node the load balancer sends it to.
 * That is enough for what this is for (bounding each node's CPU), which shared state would not improve.
 */
export interface BucketLimits {
  /** Tokens refilled per minute. */
  perMinute: number;
  /** Tokens when full: failures allowed back to back. */
  burst: number;
}

export interface ThrottleLimits {
  clientId: BucketLimits;
  address: BucketLimits;
  /** Keys each table keeps at most. */
  maxEntries: number;
  /** Checks one address may have under way at once. */
  concurrentPerAddress: number;
  /** How long a refusal for failures or for attempts at once waits before it is answered, in milliseconds. */
  holdMs: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  clientId: { perMinute: 10, burst: 10 },
  address: { perMinute: 30, burst: 30 },
  maxEntries: 10_000,
  concurrentPerAddress: 4,
  holdMs: 1_000,
};

export type ThrottleReason = "clientId" | "address" | "concurrent" | "busy";

const MESSAGES: Record<ThrottleReason, string> = {
  clientId: "Too many failed authentication attempts for this client.",
  address: "Too many failed authentication attempts from this address.",
  concurrent: "Too many authentication attempts from this address at once.",
  busy: "The server is checking too many client credentials at once.",
};

/** An attempt refused before any hash: too many failures, too many at once, or the hash pool's queue full. */
export class AuthThrottled extends Error {
  constructor(
    readonly reason: ThrottleReason,
    readonly retryAfterSeconds: number,
  ) {
    super(MESSAGES[reason]);
  }

  /**
   * Without a stack trace: a refusal is an answer, thrown thousands of times a second under a flood, and
   * capturing the stack was the costliest step of answering it.
   */
  static create(reason: ThrottleReason, retryAfterSeconds: number): AuthThrottled {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new AuthThrottled(reason, retryAfterSeconds);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets by key, in least-recently-used order (a Map iterates in insertion order). */
class BucketTable {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;

  constructor(
    private readonly limits: BucketLimits,
    private readonly maxEntries: number,
  ) {
    this.#perMs = limits.perMinute / 60_000;
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Tokens the key has now (a key never seen, or forgotten, has a full bucket). */
  tokens(key: string, now: number): number {
    const bucket = this.#buckets.get(key);
    return bucket ? Math.min(this.limits.burst, bucket.tokens + (now - bucket.at) * this.#perMs) : this.limits.burst;
  }

  /** Whole seconds until the key has a token again. */
  retryAfterSeconds(key: string, now: number): number {
    const missing = 1 - this.tokens(key, now);
    return Math.max(1, Math.ceil(missing / this.#perMs / 1000));
  }

  take(key: string, now: number): void {
    const tokens = this.tokens(key, now) - 1;
    this.#buckets.delete(key);
    this.#buckets.set(key, { tokens, at: now });
    while (this.#buckets.size > this.maxEntries) this.#buckets.delete(this.#buckets.keys().next().value!);
  }

  give(key: string, now: number): void {
    const bucket = this.#buckets.get(key);
    if (!bucket) return;
    const tokens = this.tokens(key, now) + 1;
    // A full bucket is the same as none: drop it rather than keep it.
    if (tokens >= this.limits.burst) this.#buckets.delete(key);
    else this.#buckets.set(key, { tokens, at: now });
  }
}

/**
 * What an admitted attempt must report, once: `failed` keeps its tokens, `succeeded` gives them back, and so does
 * `cancelled` (no hash ran). Each ends the attempt's place among its address's checks under way.
 */
export interface Admission {
  succeeded(): void;
  failed(): void;
  cancelled(): void;
}

export class AuthThrottle {
  readonly limits: ThrottleLimits;
  readonly #clients: BucketTable;
  readonly #addresses: BucketTable;
  /** Checks under way per address key; a key is here only while it has some, so no more than the checks. */
  readonly #underWay = new Map<string, number>();

  constructor(
    limits: Partial<ThrottleLimits> = {},
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.limits = { ...DEFAULT_THROTTLE_LIMITS, ...limits };
    this.#clients = new BucketTable(this.limits.clientId, this.limits.maxEntries);
    this.#addresses = new BucketTable(this.limits.address, this.limits.maxEntries);
  }

  /** Keys held now, per table: never more than maxEntries each (and addresses with checks under way). */
  get size(): { clientIds: number; addresses: number; underWay: number } {
    return { clientIds: this.#clients.size, addresses: this.#addresses.size, underWay: this.#underWay.size };
  }

  /**
   * Takes a token for the client id and one for the address (when known), or throws AuthThrottled taking
   * neither: too many failures lately for either, or too many checks under way from the address. The caller
   * reports the outcome through the Admission.
   */
  admit(clientId: string, address: string | undefined): Admission {
    const now = this.nowMs();
    const idKey = clientIdKey(clientId);
    const addressKey = address === undefined ? undefined : addressBucketKey(address);
    this.#refuseIfSpent(idKey, addressKey, now);
    const underWay = addressKey === undefined ? 0 : (this.#underWay.get(addressKey) ?? 0);
    if (underWay >= this.limits.concurrentPerAddress) throw AuthThrottled.create("concurrent", 1);
    this.#clients.take(idKey, now);
    if (addressKey !== undefined) {
      this.#addresses.take(addressKey, now);
      this.#underWay.set(addressKey, underWay + 1);
    }
    let settled = false;
    const settle = (giveBack: boolean) => {
      if (settled) return;
      settled = true;
      if (addressKey !== undefined) {
        const left = (this.#underWay.get(addressKey) ?? 1) - 1;
        if (left > 0) this.#underWay.set(addressKey, left);
        else this.#underWay.delete(addressKey);
      }
      if (!giveBack) return;
      const at = this.nowMs();
      this.#clients.give(idKey, at);
      if (addressKey !== undefined) this.#addresses.give(addressKey, at);
    };
    return { succeeded: () => settle(true), failed: () => settle(false), cancelled: () => settle(true) };
  }

  /**
   * Throws AuthThrottled as admit() would for too many failures, taking nothing: for an attempt that will not
   * hash (it shares a check already under way) but must not be answered where admit() would refuse.
   */
  check(clientId: string, address: string | undefined): void {
    this.#refuseIfSpent(clientIdKey(clientId), address === undefined ? undefined : addressBucketKey(address), this.nowMs());
  }

  #refuseIfSpent(idKey: string, addressKey: string | undefined, now: number): void {
    const refuseId = this.#clients.tokens(idKey, now) < 1;
    const refuseAddress = addressKey !== undefined && this.#addresses.tokens(addressKey, now) < 1;
    if (!refuseId && !refuseAddress) return;
    const retry = Math.max(
      refuseId ? this.#clients.retryAfterSeconds(idKey, now) : 0,
      refuseAddress ? this.#addresses.retryAfterSeconds(addressKey, now) : 0,
    );
    throw AuthThrottled.create(refuseAddress ? "address" : "clientId", retry);
  }
}

/** Client ids compare case-insensitively (they are GUIDs); a long one is kept as its digest, not in full. */
function clientIdKey(clientId: string): string {
  const id = clientId.toLowerCase();
  return id.length <= 64 ? id : `sha256:${createHash("sha256").update(id).digest("base64url")}`;
}

/** IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 by its /64; anything else (never from a socket) hashed. */
export function addressBucketKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv4(address)) return address;
  const bare = address.replace(/%.*$/, "");
  if (isIPv6(bare)) {
    const [head = "", tail] = bare.split("::");
    const groups = (part: string) => (part === "" ? [] : part.split(":"));
    const width = (parts: string[]) => parts.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
    const left = groups(head);
    const right = tail === undefined ? [] : groups(tail);
    const all = tail === undefined ? left : [...left, ...Array<string>(8 - width(left) - width(right)).fill("0"), ...right];
    return `${all
      .slice(0, 4)
      .map((g) => parseInt(g, 16).toString(16))
      .join(":")}::/64`;
  }
  return `other:${createHash("sha256").update(address).digest("base64url").slice(0, 22)}`;
}

let stamp = { second: Number.NaN, text: "" };

/** `2026-01-09 02:02:12Z`, as Entra writes times in errors; made once a second (refusals come in floods). */
function entraTimestamp(at: Date): string {
  const second = Math.floor(at.getTime() / 1000);
  if (second !== stamp.second) stamp = { second, text: `${at.toISOString().slice(0, 19).replace("T", " ")}Z` };
  return stamp.text;
}

/**
 * Entra's answer when it throttles a token request: 429 with Retry-After and its error JSON. The code is
 * AADSTS90055 (TenantThrottlingError, "There are too many incoming requests"), the one Entra's error-code
 * reference lists for too many requests, with OAuth's `temporarily_unavailable`; Entra's description carries the
 * trace id, correlation id and time on its last lines, and the same three as fields.
 */
export function throttledBody(
  error: AuthThrottled,
  ids: { traceId: string; correlationId: string },
  at: Date = new Date(),
): { error: string; error_description: string; error_codes: number[]; timestamp: string; trace_id: string; correlation_id: string } {
  const timestamp = entraTimestamp(at);
  const after = `Retry after ${error.retryAfterSeconds} second${error.retryAfterSeconds === 1 ? "" : "s"}.`;
  return {
    error: "temporarily_unavailable",
    error_description:
      `AADSTS90055: TenantThrottlingError: There are too many incoming requests. ${error.message} ${after}` +
      `\r\nTrace ID: ${ids.traceId}\r\nCorrelation ID: ${ids.correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [90055],
    timestamp,
    trace_id: ids.traceId,
    correlation_id: ids.correlationId,
  };
}

/** The correlation id Entra answers with: the client's `client-request-id` (MSAL sends one) when it is a GUID. */
export function correlationIdOf(clientRequestId: unknown, fallback: string): string {
  return typeof clientRequestId === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(clientRequestId)
    ? clientRequestId.toLowerCase()
    : fallback;
}
