import { badParameter } from "../../errors/key-vault-error.js";
import { PAGE_SIZE_MAX } from "../../vault/limits.js";

/** `maxresults` (1–25, as Azure) and the opaque `$skiptoken` of Azure's paged lists. */
export function parseMaxResults(value: unknown): number {
  if (value === undefined || value === "") return PAGE_SIZE_MAX;
  const n = Number(value);
  if (typeof value !== "string" || !Number.isInteger(n) || n < 1 || n > PAGE_SIZE_MAX) {
    throw badParameter(`The value of maxresults must be an integer between 1 and ${PAGE_SIZE_MAX}.`);
  }
  return n;
}

export function parseSkipToken(value: unknown): string | null {
  if (value === undefined || value === "") return null;
  try {
    const decoded = JSON.parse(Buffer.from(typeof value === "string" ? value : "", "base64url").toString("utf8")) as { p?: unknown };
    if (typeof decoded.p === "string") return decoded.p;
  } catch {
    // fall through to the one error below
  }
  throw badParameter("The $skiptoken is invalid.");
}

/** An absolute link on the vault host, fetched as given by the SDK's pager (docs/clients.md §6). */
export function nextLink(base: string, path: string, apiVersion: string, next: string | null, max: number): string | null {
  if (next === null) return null;
  const token = Buffer.from(JSON.stringify({ p: next }), "utf8").toString("base64url");
  return `${base}${path}?api-version=${apiVersion}&$skiptoken=${token}&maxresults=${max}`;
}
