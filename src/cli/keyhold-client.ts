import { request } from "node:https";
import { type Login, readLogin } from "./login-store.js";

/**
 * The CLI's client for a Keyhold server. It authenticates the way the Azure SDK does: an unauthenticated
 * request, the 401 challenge's resource, then a token from the environment's credential — a service
 * principal (AZURE_CLIENT_ID/SECRET, AZURE_AUTHORITY_HOST, AZURE_TENANT_ID) or a managed identity
 * (IDENTITY_ENDPOINT/HEADER). TLS trust comes from NODE_EXTRA_CA_CERTS, as for every Node client.
 */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** For an error answer of the server: its HTTP status and Azure's inner error code. */
    readonly statusCode?: number,
    readonly innerCode?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, ...(body !== undefined && { "content-length": String(Buffer.byteLength(body)) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", (error) => reject(new CliError("ConnectionFailed", `cannot reach ${new URL(url).origin}: ${error.message}`)));
    req.end(body);
  });
}

function need(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new CliError("MissingEnvironment", `${name} is not set (source the server's dev.env, or set it)`);
  return value;
}

async function acquireToken(env: NodeJS.ProcessEnv, resource: string): Promise<string> {
  if (env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER && !env.AZURE_CLIENT_SECRET) {
    const url = `${env.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=${encodeURIComponent(resource)}`;
    const res = await send("GET", url, { "x-identity-header": env.IDENTITY_HEADER });
    const json = JSON.parse(res.body || "{}") as { access_token?: string; error_description?: string };
    if (res.status !== 200 || !json.access_token) throw new CliError("AuthenticationFailed", json.error_description ?? `token request failed (${res.status})`);
    return json.access_token;
  }
  const authority = need(env, "AZURE_AUTHORITY_HOST").replace(/\/$/, "");
  const tenant = env.AZURE_TENANT_ID ?? "adfs";
  const tokenUrl = tenant === "adfs" ? `${authority}/adfs/oauth2/token` : `${authority}/${tenant}/oauth2/v2.0/token`;
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: need(env, "AZURE_CLIENT_ID"),
    client_secret: need(env, "AZURE_CLIENT_SECRET"),
    scope: `${resource}/.default`,
  }).toString();
  const res = await send("POST", tokenUrl, { "content-type": "application/x-www-form-urlencoded" }, form);
  const json = JSON.parse(res.body || "{}") as { access_token?: string; error?: string; error_description?: string };
  if (res.status !== 200 || !json.access_token) {
    throw new CliError(json.error ?? "AuthenticationFailed", json.error_description ?? `token request failed (${res.status})`);
  }
  return json.access_token;
}

function challengeResource(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /resource="([^"]+)"/.exec(value ?? "");
  if (!match) throw new CliError("Unauthorized", "the server refused the request and sent no challenge");
  return match[1]!;
}

/** The Key Vault API version the CLI speaks. */
export const API_VERSION = "2025-07-01";

export class KeyholdClient {
  #token: string | null = null;
  /** The vault resource from the server's challenge, e.g. https://vault.azure.net: vaults are NAME.<its host>. */
  #resource: string | null = null;
  readonly #baseUrl: string;

  /**
   * Credentials come from the environment (a service principal or a managed identity); without them, from
   * `keyhold login`'s saved token for the same server (KEYHOLD_URL, or the login's when that is unset).
   */
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    const login = env.AZURE_CLIENT_SECRET || env.IDENTITY_HEADER ? null : readLogin(env);
    this.#baseUrl = (env.KEYHOLD_URL ?? login?.url ?? need(env, "KEYHOLD_URL")).replace(/\/$/, "");
    if (login && login.url.replace(/\/$/, "") === this.#baseUrl) this.#useLogin(login);
  }

  #useLogin(login: Login): void {
    if (login.expiresOn <= Date.now() / 1000 + 30) throw new CliError("LoginExpired", "the saved login has expired: run `keyhold login` again");
    this.#token = login.accessToken;
    this.#resource = login.resource;
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  /**
   * Gets a token now (from the environment's credential, or the saved login), and learns the vault resource from
   * the server's challenge: what `keyhold login` saves, and what a vault call needs first.
   */
  async signIn(): Promise<{ token: string; resource: string }> {
    await this.#call("GET", "/keyhold/roleDefinitions", undefined, null).catch((error: unknown) => {
      if (!(error instanceof CliError) || error.statusCode !== 403) throw error;
    });
    if (!this.#token || !this.#resource) throw new CliError("Unauthorized", "the server did not ask for a token");
    return { token: this.#token, resource: this.#resource };
  }

  /** A call to Keyhold's admin API (or any path of the server's own host). */
  call(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.#call(method, path, body, null);
  }

  /**
   * A call to one vault's API: sent to KEYHOLD_URL's address with the vault's host name (`NAME.<vault domain>`,
   * the domain learnt from the challenge), which the server routes by and TLS names (SNI), and the api-version.
   */
  async vaultCall(vaultName: string, method: string, path: string, body?: unknown): Promise<unknown> {
    const { resource } = this.#resource ? { resource: this.#resource } : await this.signIn();
    const host = `${vaultName}.${new URL(resource).host}`;
    const withVersion = path.includes("api-version=") ? path : `${path}${path.includes("?") ? "&" : "?"}api-version=${API_VERSION}`;
    return this.#call(method, withVersion, body, host);
  }

  /** Every item of a paged vault listing, following `nextLink` (which names the vault's host and the api-version). */
  async vaultList(vaultName: string, path: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let next: string | null = path;
    while (next) {
      const page = (await this.vaultCall(vaultName, "GET", next)) as { value?: unknown[]; nextLink?: string | null };
      items.push(...(page.value ?? []));
      const link = page.nextLink ? new URL(page.nextLink) : null;
      next = link ? link.pathname + link.search : null;
    }
    return items;
  }

  async #call(method: string, path: string, body: unknown, host: string | null): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = (): Record<string, string> => ({
      accept: "application/json",
      ...(host && { host }),
      ...(payload !== undefined && { "content-type": "application/json" }),
      ...(this.#token && { authorization: `Bearer ${this.#token}` }),
    });
    let res = await send(method, this.#baseUrl + path, headers(), payload);
    if (res.status === 401 && !this.#token) {
      this.#resource = challengeResource(res.headers["www-authenticate"]);
      this.#token = await acquireToken(this.env, this.#resource);
      res = await send(method, this.#baseUrl + path, headers(), payload);
    }
    const json = res.body ? (JSON.parse(res.body) as unknown) : null;
    if (res.status >= 400) {
      const error = (json as { error?: { code?: string; message?: string; innererror?: { code?: string } } } | null)?.error;
      throw new CliError(error?.code ?? `HTTP${res.status}`, error?.message ?? `request failed with status ${res.status}`, res.status, error?.innererror?.code);
    }
    return json;
  }
}
