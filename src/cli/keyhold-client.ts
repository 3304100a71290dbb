import { CliError } from "./cli-error.js";
import { type Connection, type HttpResult, REQUEST_TIMEOUT_MS, parseBody, send } from "./https-request.js";
import { type Login, readLogin } from "./login-store.js";
import { trustedCertificates } from "./tls-trust.js";
import { needsRenewal, renewedLogin } from "./user-login.js";

/** An error answer (status 400 and above) as the CLI's error, with Azure's code and message when the body has them. */
function errorAnswer(res: HttpResult, json: unknown): CliError {
  const error = (json as { error?: { code?: string; message?: string; innererror?: { code?: string } } } | null)?.error;
  return new CliError(
    error?.code ?? `HTTP${res.status}`,
    error?.message ?? `request failed with status ${res.status}`,
    res.status,
    error?.innererror?.code,
  );
}

function need(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new CliError("MissingEnvironment", `${name} is not set (source the server's dev.env, or set it)`);
  return value;
}

/** The server's base URL, checked: Keyhold serves HTTPS only. */
function serverUrl(url: string, from: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError("InvalidServerUrl", `${from} '${url}' is not a URL`);
  }
  if (parsed.protocol !== "https:")
    throw new CliError("InvalidServerUrl", `${from} '${url}' is not an https:// URL: Keyhold serves HTTPS only`);
  return url.replace(/\/$/, "");
}

const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();

/** The saved login of a service principal can no longer be used: it keeps no secret to renew its token with. */
const loginExpired = (login: Login): CliError =>
  new CliError(
    "LoginExpired",
    `the login ${login.loggedInAt ? `of ${iso(login.loggedInAt)} ` : ""}to ${login.url} expired at ${iso(login.expiresOn)}`,
  );

async function acquireToken(env: NodeJS.ProcessEnv, resource: string, connection: Connection): Promise<string> {
  if (env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER && !env.AZURE_CLIENT_SECRET) {
    const url = `${env.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=${encodeURIComponent(resource)}`;
    const res = await send("GET", url, { "x-identity-header": env.IDENTITY_HEADER }, undefined, connection);
    const json = (parseBody(res, url) ?? {}) as { access_token?: string; error_description?: string };
    if (res.status !== 200 || !json.access_token)
      throw new CliError("AuthenticationFailed", json.error_description ?? `token request failed (${res.status})`);
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
  const res = await send("POST", tokenUrl, { "content-type": "application/x-www-form-urlencoded" }, form, connection);
  const json = (parseBody(res, tokenUrl) ?? {}) as { access_token?: string; error?: string; error_description?: string };
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

/**
 * The CLI's client for a Keyhold server. It authenticates the way the Azure SDK does: an unauthenticated
 * request, the 401 challenge's resource, then a token from the environment's credential — a service
 * principal (AZURE_CLIENT_ID/SECRET, AZURE_AUTHORITY_HOST, AZURE_TENANT_ID) or a managed identity
 * (IDENTITY_ENDPOINT/HEADER). TLS trust comes from NODE_EXTRA_CA_CERTS, as for every Node client, and from the
 * CA a `keyhold login` keeps.
 */
export class KeyholdClient {
  #token: string | null = null;
  /** The vault resource from the server's challenge, e.g. https://vault.azure.net: vaults are NAME.<its host>. */
  #resource: string | null = null;
  /** A saved login for this server whose token has expired: every call fails, saying so. */
  #expiredLogin: Login | null = null;
  /** A user's saved login whose token has expired or soon will: the first call renews it with its refresh token. */
  #renewableLogin: Login | null = null;
  /** That renewal, which calls made at the same time share. */
  #renewal: Promise<Login> | null = null;
  readonly #baseUrl: string;
  readonly #connection: Connection;

  /**
   * Credentials come from the environment (a service principal or a managed identity); without them, from
   * `keyhold login`'s saved token for the same server (KEYHOLD_URL, or the login's when that is unset), which a user's
   * login renews with its refresh token. The login's CA is trusted for its server either way. `keyhold login` itself
   * gives its `--ca` and ignores the saved login.
   */
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    options: { caFile?: string; ignoreSavedLogin?: boolean } = {},
  ) {
    const saved = options.ignoreSavedLogin ? null : readLogin(env);
    this.#baseUrl = env.KEYHOLD_URL || !saved ? serverUrl(need(env, "KEYHOLD_URL"), "KEYHOLD_URL") : saved.url;
    const login = saved && saved.url.replace(/\/$/, "") === this.#baseUrl ? saved : null;
    this.#connection = { ca: trustedCertificates(options.caFile ?? login?.caFile, env), timeoutMs: REQUEST_TIMEOUT_MS };
    if (login && !env.AZURE_CLIENT_SECRET && !env.IDENTITY_HEADER) this.#useLogin(login);
  }

  #useLogin(login: Login): void {
    if (login.refreshToken && needsRenewal(login)) {
      this.#renewableLogin = login;
      this.#resource = login.resource;
      return;
    }
    if (login.expiresOn <= Date.now() / 1000 + 30) {
      this.#expiredLogin = login;
      return;
    }
    this.#token = login.accessToken;
    this.#resource = login.resource;
  }

  /** Why the server cannot be used, if it cannot: no answer in `timeoutMs` (refused, DNS, TLS, …), or not healthy. */
  async unhealthy(timeoutMs: number): Promise<CliError | null> {
    const url = `${this.#baseUrl}/healthz`;
    try {
      const res = await send("GET", url, { accept: "application/json" }, undefined, { ...this.#connection, timeoutMs });
      return res.status === 200
        ? null
        : new CliError("ServerUnhealthy", `${this.#baseUrl} answered /healthz with ${res.status}`, res.status);
    } catch (error) {
      if (error instanceof CliError) return error;
      throw error;
    }
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** How this client reaches its server (the CAs it trusts): a user's sign-in talks to the authority the same way. */
  get connection(): Connection {
    return this.#connection;
  }

  /** The vault resource the server's challenge names, asked without a token: what a user's sign-in asks a token for. */
  async challengedResource(): Promise<string> {
    const url = `${this.#baseUrl}/keyhold/roleDefinitions`;
    const res = await send("GET", url, { accept: "application/json" }, undefined, this.#connection);
    if (res.status !== 401) throw new CliError("BadResponse", `${this.#baseUrl} answered ${res.status} where it should ask for a token`);
    return challengeResource(res.headers["www-authenticate"]);
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

  /** A public document of the server that is not JSON (the built-in CA's certificate, say): fetched without a token. */
  async publicText(path: string): Promise<string> {
    const url = this.#baseUrl + path;
    const res = await send("GET", url, { accept: "*/*" }, undefined, this.#connection);
    if (res.status >= 400) throw errorAnswer(res, parseBody(res, url));
    return res.body;
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
    if (this.#expiredLogin) throw loginExpired(this.#expiredLogin);
    if (this.#renewableLogin) {
      this.#renewal ??= renewedLogin(this.#renewableLogin, this.#connection, this.env);
      const renewed = await this.#renewal;
      this.#renewableLogin = null;
      this.#token = renewed.accessToken;
      this.#resource = renewed.resource;
    }
    const url = this.#baseUrl + path;
    let res = await send(method, url, headers(), payload, this.#connection);
    if (res.status === 401 && !this.#token) {
      this.#resource = challengeResource(res.headers["www-authenticate"]);
      this.#token = await acquireToken(this.env, this.#resource, this.#connection);
      res = await send(method, url, headers(), payload, this.#connection);
    }
    const json = parseBody(res, url);
    if (res.status >= 400) throw errorAnswer(res, json);
    return json;
  }
}
