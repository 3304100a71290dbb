import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { KeyVaultError } from "../../errors/key-vault-error.js";
import { BUILT_IN_PUBLIC_CLIENT_ID } from "../../identity/sign-in/public-clients.js";
import type { AppContext } from "../app-context.js";
import { errorPage } from "../pages/sign-in-pages.js";
import { sendPage } from "../pages/page-reply.js";

/** Where `npm install` (prepare) and `npm test` build the console: dist/console, beside dist/src. */
const BUILT_CONSOLE = fileURLToPath(new URL("../../../console/", import.meta.url));

const ASSETS: Record<string, string> = {
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};

/**
 * The vault host names the console calls, as a browser can reach them: a `*.localhost` vault domain when there is one
 * (dev mode's `vault.localhost`, which browsers resolve to this machine), else the first; on the server's public port.
 */
export function consoleVaultOrigin(ctx: AppContext): { template: string; cspSource: string } {
  const domains = ctx.hosts.resources.map((resource) => new URL(resource).host);
  const domain = domains.find((d) => d.endsWith(".localhost")) ?? domains[0]!;
  const port = new URL(ctx.authorityUrl).port;
  const suffix = `${domain}${port ? `:${port}` : ""}`;
  return { template: `https://{name}.${suffix}`, cspSource: `https://*.${suffix}` };
}

/**
 * The web console (docs/console.md): a single page at `/` of the server's own host, its script and stylesheet, and
 * the settings it starts from. Its CSP lets it run only its own script and call only this origin and the vault hosts.
 */
export function registerConsoleRoutes(app: FastifyInstance, ctx: AppContext): void {
  if (!ctx.console) return;
  const vaults = consoleVaultOrigin(ctx);
  const files = new Map<string, Buffer>();
  const built = (name: string): Buffer | null => {
    const kept = files.get(name);
    if (kept) return kept;
    const path = BUILT_CONSOLE + name;
    if (!existsSync(path)) return null;
    const content = readFileSync(path);
    files.set(name, content);
    return content;
  };
  // A vault's own host name keeps answering as a vault does: its root is no console.
  const onServerHost = (request: FastifyRequest) => {
    if (ctx.hosts.namesVault(request.hostname))
      throw new KeyVaultError(404, "NotFound", "The requested resource does not exist on this server.");
  };
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${vaults.cspSource}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");

  app.get("/", async (request, reply) => {
    onServerHost(request);
    const page = built("index.html");
    if (!page)
      return sendPage(reply, 503, errorPage("Console not built", "Run `npm run build` in the Keyhold directory to build the console."));
    return sendPage(reply, 200, page.toString("utf8"), csp);
  });

  app.get<{ Params: { file: string } }>("/console/:file", async (request, reply: FastifyReply) => {
    onServerHost(request);
    const { file } = request.params;
    if (file === "config.json") {
      return reply.header("cache-control", "no-store").send({
        authority: ctx.authorityUrl,
        tenant: ctx.tenantId,
        clientId: BUILT_IN_PUBLIC_CLIENT_ID,
        resource: ctx.hosts.resources[0],
        vaultUrlTemplate: vaults.template,
      });
    }
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    const content = type ? built(file) : null;
    if (!type || !content) throw new KeyVaultError(404, "NotFound", "The requested resource does not exist on this server.");
    return reply.header("content-type", type).header("cache-control", "no-cache").header("x-content-type-options", "nosniff").send(content);
  });
}
