import type { Session } from "./auth.js";
import type { ConsoleConfig } from "./config.js";

/** The Key Vault API version the console speaks. */
export const API_VERSION = "2025-07-01";

/** A refused request, with Key Vault's error code and message (a 403 names the permission that is missing). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * Calls Keyhold's REST API with the user's token: the admin API on this origin, and each vault's API on the vault's
 * own host name, exactly as the SDKs call them, so that the server's one authorization decision applies.
 */
export class Api {
  constructor(
    private readonly config: ConsoleConfig,
    private readonly session: Session,
  ) {}

  /** `/keyhold/...` on this server. */
  admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.#send<T>(method, `${location.origin}${path}`, body);
  }

  /** A path of one vault's API, e.g. `/secrets`; the api-version is added. */
  vault<T>(vaultName: string, method: string, path: string, body?: unknown): Promise<T> {
    return this.#send<T>(method, this.vaultUrl(vaultName, path), body);
  }

  /** A vault's `nextLink` (already absolute, with its api-version). */
  next<T>(link: string): Promise<T> {
    return this.#send<T>("GET", link, undefined);
  }

  vaultUrl(vaultName: string, path: string): string {
    const url = new URL(this.config.vaultUrlTemplate.replace("{name}", encodeURIComponent(vaultName.toLowerCase())) + path);
    if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", API_VERSION);
    return url.toString();
  }

  async #send<T>(method: string, url: string, body: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", authorization: `Bearer ${await this.session.token()}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(url, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(res.status, error?.code ?? `HTTP${res.status}`, error?.message ?? `The request failed (${res.status}).`);
    }
    return json as T;
  }
}
