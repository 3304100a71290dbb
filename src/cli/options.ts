import { InvalidArgumentError } from "commander";

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError("must be a TCP port (0-65535)");
  return port;
}

export function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("must be an integer");
  return n;
}

/** `true` or `false`, as az takes booleans (`--enable-rbac-authorization false`). */
export function parseBoolean(value: string): boolean {
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new InvalidArgumentError("must be true or false");
}

export function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

/** `--tags a=b c=d` (as az takes them) as a tag object. */
export function parseTags(values: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`tags are KEY=VALUE, not '${value}'`);
    tags[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return tags;
}

/** An ISO 8601 date-time (`2027-01-31T00:00:00Z`) as epoch seconds, as the API takes `exp` and `nbf`. */
export function parseDateTime(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError("must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z");
  return Math.floor(ms / 1000);
}
