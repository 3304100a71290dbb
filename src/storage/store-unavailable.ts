/**
 * The store cannot be reached (its database is restarting, the network is down). Requests get 503 and may be
 * retried; nothing was acknowledged. Adapters throw this for connection failures only, never for a refused
 * statement.
 */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super("the store is unavailable", { cause });
    this.name = "StoreUnavailableError";
  }
}
