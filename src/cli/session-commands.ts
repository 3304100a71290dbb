import { resolve } from "node:path";
import type { Command } from "commander";
import { CliError } from "./cli-error.js";
import { KeyholdClient } from "./keyhold-client.js";
import { hintFor } from "./error-hints.js";
import { configDir, readLogin, removeLogin, saveLogin } from "./login-store.js";
import { print } from "./output.js";
import { FROM_STDIN, VISIBLE_WARNING, readSensitiveInput } from "./secret-input.js";

const claimsOf = (token: string): { oid?: string; exp?: number } => {
  try {
    return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { oid?: string; exp?: number };
  } catch {
    return {};
  }
};

/** How long `keyhold status` waits for the server before it says it did not answer. */
const STATUS_TIMEOUT_MS = 5_000;

/** A problem `keyhold status` found, as its JSON shows it: the error's code, message and hint. */
const problemOf = (error: CliError) => ({
  code: error.code,
  message: error.message,
  hint: hintFor(error, "`keyhold status --help`") ?? null,
});

const credentialKind = (env: NodeJS.ProcessEnv): string =>
  env.AZURE_CLIENT_SECRET
    ? "environment: service principal"
    : env.IDENTITY_HEADER
      ? "environment: managed identity"
      : readLogin(env)
        ? "keyhold login"
        : "none";

/** `keyhold login`, `logout` and `status`. */
export function registerSessionCommands(program: Command): void {
  program
    .command("login")
    .description("Sign in to a Keyhold server and keep the token (never the secret), the URL and the CA in the user's config dir (0600)")
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
    .option("--tenant <tenant>", "the tenant (default: AZURE_TENANT_ID, else adfs)")
    .addHelpText(
      "after",
      [
        "\nExamples:",
        "  keyhold login --url https://keyhold.example.com:8443 --client-id $ID --client-secret -     # asks for it",
        '  printf %s "$SECRET" | keyhold login --url https://keyhold.example.com:8443 --client-id $ID --client-secret -',
        "  source .keyhold/dev.env && keyhold login   # AZURE_CLIENT_ID/SECRET and the CA from the env; then commands work without it",
        "  keyhold login --url https://localhost:8443 --ca .keyhold/ca.pem --client-id $ID --client-secret -",
      ].join("\n"),
    )
    .action(async (o: { url?: string; ca?: string; clientId?: string; clientSecret?: string; tenant?: string }) => {
      const url = o.url ?? process.env.KEYHOLD_URL;
      if (!url) throw new CliError("MissingEnvironment", "give --url or set KEYHOLD_URL");
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
      if (!env.AZURE_CLIENT_SECRET && !env.IDENTITY_HEADER)
        throw new CliError("MissingEnvironment", "give --client-id and --client-secret, or set AZURE_CLIENT_ID and AZURE_CLIENT_SECRET");
      // Kept as an absolute path, so that the login works from any directory.
      const caFile = o.ca ?? env.NODE_EXTRA_CA_CERTS;
      const ca = caFile ? { caFile: resolve(caFile) } : {};
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
    .description("Forget the saved login")
    .action(() => print({ loggedOut: removeLogin(), configDir: configDir() }));

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
