import type { FastifyInstance } from "fastify";
import { KeyVaultError, badParameter } from "../../errors/key-vault-error.js";
import type { AuditSearch } from "../audit/audit-search.js";
import type { AppContext } from "../app-context.js";
import { oauthParameters } from "../wire/oauth-params.js";
import { action } from "./admin-auth.js";

const DEFAULT_TOP = 100;
const MAX_TOP = 1000;

/** An ISO 8601 time (`2027-01-31T00:00:00Z`) as epoch milliseconds. */
function timeOf(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw badParameter(`The parameter '${name}' must be an ISO 8601 time.`);
  return ms;
}

/**
 * `GET /keyhold/audit`: the newest entries of the audit trail matching the filters (vault, caller, operation, a time
 * range), newest first, as the console's audit view reads them. Reading the trail is itself an audited request.
 */
export function registerAdminAuditRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get("/keyhold/audit", action("audit/read"), async (request) => {
    const parsed = oauthParameters(request.query, ["vault", "caller", "operation", "since", "until", "top"]);
    if (!parsed.ok) throw badParameter(parsed.description.replace(/^AADSTS\d+: /, ""));
    const query = parsed.value;
    const top = query.top === undefined ? DEFAULT_TOP : Number(query.top);
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP)
      throw badParameter(`The parameter 'top' must be an integer from 1 to ${MAX_TOP}.`);
    const filter: AuditSearch = {
      ...(query.vault && { vault: query.vault }),
      ...(query.caller && { caller: query.caller }),
      ...(query.operation && { operation: query.operation }),
    };
    const since = timeOf(query.since, "since");
    const until = timeOf(query.until, "until");
    if (since !== undefined) filter.since = since;
    if (until !== undefined) filter.until = until;
    if (!ctx.audit) throw new KeyVaultError(404, "AuditTrailOff", "The audit trail is off on this server (the setting audit.sink).");
    const lines = await ctx.audit.search(filter, top);
    if (!lines) {
      throw new KeyVaultError(
        404,
        "AuditTrailNotReadable",
        "The audit trail goes to standard output on this server: read it where the platform collects that output.",
      );
    }
    return { value: lines.map((line) => JSON.parse(line) as unknown) };
  });
}
