import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { browserSignIn } from "./browser-sign-in.js";
import { CliError } from "./cli-error.js";
import { deviceCodeSignIn } from "./device-code-sign-in.js";
import { KeyholdClient } from "./keyhold-client.js";
import { hintFor } from "./error-hints.js";
import { REQUEST_TIMEOUT_MS } from "./https-request.js";
import { claimsOf } from "./jwt-claims.js";
import { type Login, configDir, readLogin, removeLogin, saveLogin } from "./login-store.js";
import { openInBrowser } from "./open-browser.js";
import { parsePositiveInteger } from "./options.js";
import { print } from "./output.js";
import { FROM_STDIN, VISIBLE_WARNING, readSensitiveInput } from "./secret-input.js";
import { trustedCertificates } from "./tls-trust.js";
import { DEFAULT_USER_TENANT, revokeRefreshToken, userAuthority } from "./user-authority.js";
import { authorityOf, userLoginOf } from "./user-login.js";

/** How long `keyhold status` waits for the server before it says it did not answer. */
const STATUS_TIMEOUT_MS = 5_000;

/** A problem `keyhold status` found, as its JSON shows it: the error's code, message and hint. */
const problemOf = (error: CliError) => ({
  code: error.code,
  message: error.message,
  hint: hintFor(error, "`keyhold status --help`") ?? null,
});

const savedLoginKind = (login: Login | null): string =>
  !login ? "none" : login.refreshToken ? `keyhold login (user ${login.userName ?? login.principalId})` : "keyhold login";

const credentialKind = (env: NodeJS.ProcessEnv): string =>
  env.AZURE_CLIENT_SECRET
    ? "environment: service principal"
    : env.IDENTITY_HEADER
      ? "environment: managed identity"
      : savedLoginKind(readLogin(env));

interface LoginOptions {
  url?: string;
  ca?: string;
  clientId?: string;
  clientSecret?: string;
  tenant?: string;
  deviceCode?: boolean;
  browser?: boolean;
  timeout: number;
}

/**
 * `keyhold login --device-code` and `--browser`: a person signs in as a user at the server's authority, as the built-in
 * public client, for the resource the server's challenge names. The login keeps the refresh token that renews it.
 */
async function userLogin(o: LoginOptions, url: string, ca: { caFile?: string }): Promise<void> {
  const client = new KeyholdClient({ ...process.env, KEYHOLD_URL: url }, { ...ca, ignoreSavedLogin: true });
  const resource = await client.challengedResource();
  const tenant = o.tenant ?? process.env.AZURE_TENANT_ID ?? DEFAULT_USER_TENANT;
  const authority = userAuthority(process.env.AZURE_AUTHORITY_HOST ?? client.baseUrl, tenant, client.connection);
  // What the person must do goes to stderr: stdout keeps the command's JSON.
  const tell = (message: string) => process.stderr.write(`${message}\n`);
  const tokens = o.deviceCode
    ? await deviceCodeSignIn(authority, resource, tell)
    : await browserSignIn(authority, resource, { timeoutMs: o.timeout * 60_000, tell, open: (address) => openInBrowser(address) });
  const login = userLoginOf({ url: client.baseUrl, resource, ...ca }, authority, tokens);
  const file = saveLogin(login);
  if (process.env.AZURE_CLIENT_SECRET || process.env.IDENTITY_HEADER)
    tell("note: commands use the credential in this environment (AZURE_CLIENT_SECRET or IDENTITY_HEADER) before this login");
  print({
    url: client.baseUrl,
    userName: login.userName ?? null,
    principalId: login.principalId || null,
    expiresOn: new Date(login.expiresOn * 1000).toISOString(),
    caFile: ca.caFile ?? null,
    savedIn: file,
  });
}

/**
 * Ends a user's login at the server too (RFC 7009 revocation of its refresh token), as far as the server can be
 * reached: the login is forgotten here either way, and the answer says whether the server took part.
 */
async function revokedAtServer(login: Login): Promise<{ revokedAtServer: boolean; revokeProblem?: string }> {
  try {
    const connection = { ca: trustedCertificates(login.caFile, process.env), timeoutMs: REQUEST_TIMEOUT_MS };
    await revokeRefreshToken(authorityOf(login, connection), login.refreshToken!);
    return { revokedAtServer: true };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { revokedAtServer: false, revokeProblem: `${error.code}: ${error.message}; the login is forgotten here only` };
  }
}

/** `keyhold login`, `logout` and `status`. */
export function registerSessionCommands(program: Command): void {
  program
    .command("login")
    .description(
      "Sign in to a Keyhold server, as a service principal or (--device-code, --browser) as a user, and keep the token " +
        "(never a secret), the URL and the CA in the user's config dir (0600)",
    )
    .option("--url <url>", "the server (default: KEYHOLD_URL)")
    .option(
      "--ca <file>",
      "the CA certificate (PEM) that signed the server's certificate, kept with the login (default: NODE_EXTRA_CA_CERTS)",
    )
    .option("--client-id <id>", "a service principal (default: AZURE_CLIENT_ID)")
    .option(
      "--client-secret <secret>",
      "its secret (default: AZURE_CLIENT_SECRET); - reads it from stdin (a pipe: one trailing line break dropped; a terminal: asks, " +
        `not echoed). Note: ${VISIBLE_WARNING}, so prefer - or AZURE_CLIENT_SECRET`,
    )
    .option("--tenant <tenant>", "the tenant (default: AZURE_TENANT_ID, else adfs; for a user's sign-in, else organizations)")
    .addOption(
      new Option("--device-code", "sign in as a user: enter a code shown here at the server's sign-in page, in any browser").conflicts([
        "browser",
        "clientId",
        "clientSecret",
      ]),
    )
    .addOption(
      new Option(
        "--browser",
        "sign in as a user in this machine's browser ($BROWSER, else the system's; the URL is printed too)",
      ).conflicts(["clientId", "clientSecret"]),
    )
    .option("--timeout <minutes>", "how long --browser waits for the sign-in", parsePositiveInteger, 5)
    .addHelpText(
      "after",
      [
        "\nA user's login (--device-code, --browser) keeps a refresh token and renews itself; `keyhold logout` revokes it.",
        "\nExamples:",
        "  keyhold login --device-code --url https://keyhold.example.com:8443   # prints a code to enter at the server's /devicelogin",
        "  keyhold login --browser --url https://localhost:8443 --ca .keyhold/ca.pem --tenant adfs",
        "  keyhold login --url https://keyhold.example.com:8443 --client-id $ID --client-secret -     # asks for it",
        '  printf %s "$SECRET" | keyhold login --url https://keyhold.example.com:8443 --client-id $ID --client-secret -',
        "  source .keyhold/dev.env && keyhold login   # AZURE_CLIENT_ID/SECRET and the CA from the env; then commands work without it",
        "  keyhold login --url https://localhost:8443 --ca .keyhold/ca.pem --client-id $ID --client-secret -",
      ].join("\n"),
    )
    .action(async (o: LoginOptions) => {
      const url = o.url ?? process.env.KEYHOLD_URL;
      if (!url) throw new CliError("MissingEnvironment", "give --url or set KEYHOLD_URL");
      // Kept as an absolute path, so that the login works from any directory.
      const caFile = o.ca ?? process.env.NODE_EXTRA_CA_CERTS;
      const ca = caFile ? { caFile: resolve(caFile) } : {};
      if (o.deviceCode || o.browser) return userLogin(o, url, ca);
      // A client secret is base64url and never ends in a line break, so the one `echo` or `-o tsv` adds is
      // dropped rather than sent (it would only fail as invalid_client).
      if (o.clientSecret === FROM_STDIN) {
        o.clientSecret = (await readSensitiveInput("client secret", "--client-secret")).toString("utf8").replace(/\r?\n$/, "");
        // Empty would fall back to AZURE_CLIENT_SECRET below, a credential the user did not give.
        if (!o.clientSecret)
          throw new CliError("BadParameter", "--client-secret -: standard input held only a line break, so there is no client secret");
      }
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        KEYHOLD_URL: url,
        AZURE_AUTHORITY_HOST: process.env.AZURE_AUTHORITY_HOST ?? url,
        ...(o.clientId && { AZURE_CLIENT_ID: o.clientId }),
        ...(o.clientSecret && { AZURE_CLIENT_SECRET: o.clientSecret }),
        ...(o.tenant && { AZURE_TENANT_ID: o.tenant }),
      };
      if (!env.AZURE_CLIENT_SECRET && !env.IDENTITY_HEADER) {
        throw new CliError(
          "MissingEnvironment",
          "give --client-id and --client-secret, or set AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, " +
            "or sign in as a user with --device-code or --browser",
        );
      }
      const client = new KeyholdClient(env, { ...ca, ignoreSavedLogin: true });
      const { token, resource } = await client.signIn();
      const claims = claimsOf(token);
      const login = { url: client.baseUrl, resource, accessToken: token, expiresOn: claims.exp ?? 0, principalId: claims.oid ?? "" };
      const file = saveLogin({ ...login, loggedInAt: Math.floor(Date.now() / 1000), ...ca });
      print({
        url: client.baseUrl,
        principalId: claims.oid ?? null,
        expiresOn: claims.exp ? new Date(claims.exp * 1000).toISOString() : null,
        caFile: ca.caFile ?? null,
        savedIn: file,
      });
    });

  program
    .command("logout")
    .description("Forget the saved login; a user's login is revoked at the server first")
    .action(async () => {
      const login = readLogin();
      const revocation = login?.refreshToken ? await revokedAtServer(login) : {};
      print({ loggedOut: removeLogin(), configDir: configDir(), ...revocation });
    });

  program
    .command("status")
    .description("Whether the server answers, who you are to it, and what you may administer")
    .action(async () => {
      if (!process.env.KEYHOLD_URL && !readLogin())
        throw new CliError("MissingEnvironment", "no server: set KEYHOLD_URL or run `keyhold login`");
      const client = new KeyholdClient();
      const unhealthy = await client.unhealthy(STATUS_TIMEOUT_MS);
      // An answer other than 200 still means the server was reached; a network failure has no status.
      const status: Record<string, unknown> = {
        url: client.baseUrl,
        reachable: !unhealthy || unhealthy.statusCode !== undefined,
        credential: credentialKind(process.env),
      };
      if (unhealthy) status.problem = problemOf(unhealthy);
      else if (status.credential !== "none") {
        try {
          const { token } = await client.signIn();
          const claims = claimsOf(token);
          status.principalId = claims.oid ?? null;
          status.tokenExpiresOn = claims.exp ? new Date(claims.exp * 1000).toISOString() : null;
          const vaults = await client.call("GET", "/keyhold/vaults").catch((error: unknown) => {
            if (error instanceof CliError && error.statusCode === 403) return null;
            throw error;
          });
          status.serverAdministrator = vaults !== null;
          if (Array.isArray(vaults)) status.vaults = vaults.length;
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
          status.problem = problemOf(error);
        }
      }
      print(status);
      if (status.problem) process.exitCode = 1;
    });
}
