import { request } from "node:https";
import type { Command } from "commander";
import { CliError, KeyholdClient } from "./keyhold-client.js";
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

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once("error", () => resolve(false));
    req.once("timeout", () => req.destroy());
    req.end();
  });
}

const credentialKind = (env: NodeJS.ProcessEnv): string =>
  env.AZURE_CLIENT_SECRET ? "environment: service principal" : env.IDENTITY_HEADER ? "environment: managed identity" : readLogin(env) ? "keyhold login" : "none";

/** `keyhold login`, `logout` and `status`. */
export function registerSessionCommands(program: Command): void {
  program
    .command("login")
    .description("Sign in to a Keyhold server and keep the token (never the secret) in the user's config dir (0600)")
    .option("--url <url>", "the server (default: KEYHOLD_URL)")
    .option("--client-id <id>", "a service principal (default: AZURE_CLIENT_ID)")
    .option(
      "--client-secret <secret>",
      `its secret (default: AZURE_CLIENT_SECRET); - reads it from stdin (a pipe: one trailing line break dropped; a terminal: asks, not echoed). Note: ${VISIBLE_WARNING}, so prefer - or AZURE_CLIENT_SECRET`,
    )
    .option("--tenant <tenant>", "the tenant (default: AZURE_TENANT_ID, else adfs)")
    .addHelpText(
      "after",
      [
        "\nExamples:",
        "  keyhold login --url https://keyhold.example.com:8443 --client-id $ID --client-secret -     # asks for it",
        "  printf %s \"$SECRET\" | keyhold login --url https://keyhold.example.com:8443 --client-id $ID --client-secret -",
        "  source .keyhold/dev.env && keyhold login   # AZURE_CLIENT_ID/SECRET from the env; then commands work without it",
      ].join("\n"),
    )
    .action(async (o: { url?: string; clientId?: string; clientSecret?: string; tenant?: string }) => {
      const url = o.url ?? process.env.KEYHOLD_URL;
      if (!url) throw new CliError("MissingEnvironment", "give --url or set KEYHOLD_URL");
      // A client secret is base64url and never ends in a line break, so the one `echo` or `-o tsv` adds is
      // dropped rather than sent (it would only fail as invalid_client).
      if (o.clientSecret === FROM_STDIN) {
        o.clientSecret = (await readSensitiveInput("client secret", "--client-secret")).toString("utf8").replace(/\r?\n$/, "");
        // Empty would fall back to AZURE_CLIENT_SECRET below, a credential the user did not give.
        if (!o.clientSecret) throw new CliError("BadParameter", "--client-secret -: standard input held only a line break, so there is no client secret");
      }
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        KEYHOLD_URL: url,
        AZURE_AUTHORITY_HOST: process.env.AZURE_AUTHORITY_HOST ?? url,
        ...(o.clientId && { AZURE_CLIENT_ID: o.clientId }),
        ...(o.clientSecret && { AZURE_CLIENT_SECRET: o.clientSecret }),
        ...(o.tenant && { AZURE_TENANT_ID: o.tenant }),
      };
      if (!env.AZURE_CLIENT_SECRET && !env.IDENTITY_HEADER) throw new CliError("MissingEnvironment", "give --client-id and --client-secret, or set AZURE_CLIENT_ID and AZURE_CLIENT_SECRET");
      const client = new KeyholdClient(env);
      const { token, resource } = await client.signIn();
      const claims = claimsOf(token);
      const file = saveLogin({ url: client.baseUrl, resource, accessToken: token, expiresOn: claims.exp ?? 0, principalId: claims.oid ?? "" });
      print({ url: client.baseUrl, principalId: claims.oid ?? null, expiresOn: claims.exp ? new Date(claims.exp * 1000).toISOString() : null, savedIn: file });
    });

  program
    .command("logout")
    .description("Forget the saved login")
    .action(() => print({ loggedOut: removeLogin(), configDir: configDir() }));

  program
    .command("status")
    .description("Whether the server answers, who you are to it, and what you may administer")
    .action(async () => {
      const login = readLogin();
      const url = (process.env.KEYHOLD_URL ?? login?.url)?.replace(/\/$/, "");
      if (!url) throw new CliError("MissingEnvironment", "no server: set KEYHOLD_URL or run `keyhold login`");
      const reachable = await healthy(url);
      const status: Record<string, unknown> = { url, reachable, credential: credentialKind(process.env) };
      if (reachable && status.credential !== "none") {
        const client = new KeyholdClient();
        const { token } = await client.signIn();
        const claims = claimsOf(token);
        status.principalId = claims.oid ?? null;
        status.tokenExpiresOn = claims.exp ? new Date(claims.exp * 1000).toISOString() : null;
        const vaults = await client.call("GET", "/keyhold/vaults").catch((error: unknown) => (error instanceof CliError && error.statusCode === 403 ? null : Promise.reject(error)));
        status.serverAdministrator = vaults !== null;
        if (Array.isArray(vaults)) status.vaults = vaults.length;
      }
      print(status);
      if (!reachable) process.exitCode = 1;
    });
}
