/** What an audit search keeps: names compare without regard to case; times are epoch milliseconds, inclusive. */
export interface AuditSearch {
  vault?: string;
  /** A principal id or a credential id. */
  caller?: string;
  /** Azure's operation name (`SecretGet`) or Keyhold's (`secrets/get`). */
  operation?: string;
  since?: number;
  until?: number;
}

interface EntryFields {
  type?: string;
  time?: string;
  vault?: string | null;
  operation?: string;
  operationName?: string;
  caller?: { principalId?: string | null; credentialId?: string | null };
}

/** Whether a trail line is an entry (never a checkpoint) matching every filter given. */
export function matchesSearch(line: string, filter: AuditSearch): boolean {
  let entry: EntryFields;
  try {
    entry = JSON.parse(line) as EntryFields;
  } catch {
    return false;
  }
  const same = (a: string | null | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();
  if (entry.type === "checkpoint") return false;
  if (filter.vault && !same(entry.vault, filter.vault)) return false;
  if (filter.caller && !same(entry.caller?.principalId, filter.caller) && !same(entry.caller?.credentialId, filter.caller)) return false;
  if (filter.operation && !same(entry.operationName, filter.operation) && !same(entry.operation, filter.operation)) return false;
  const time = Date.parse(entry.time ?? "");
  if (filter.since !== undefined && !(time >= filter.since)) return false;
  if (filter.until !== undefined && !(time <= filter.until)) return false;
  return true;
}

/** The entry's time for ordering lines of several nodes; lines without one sort first. */
export function lineTime(line: string): number {
  const match = /"time":"([^"]+)"/.exec(line);
  return match ? Date.parse(match[1]!) || 0 : 0;
}

/** The newest `limit` of lines gathered from several chains, newest first. */
export function newestFirst(lines: readonly string[], limit: number): string[] {
  return [...lines].sort((a, b) => lineTime(b) - lineTime(a)).slice(0, limit);
}
