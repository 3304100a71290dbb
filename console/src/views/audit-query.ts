/** One line of the audit trail as `GET /keyhold/audit` answers it: a request's entry, or its outcome. */
export interface AuditEntry {
  seq: number;
  node: string;
  time: string;
  type: "request" | "outcome";
  requestId: string;
  operationName: string;
  operation: string;
  vault: string | null;
  object: { name: string; version: string | null } | null;
  caller: { principalId: string | null; credentialId: string | null; kind: string | null; sourceAddress: string | null };
  result?: { status: number; errorCode: string | null; durationMs: number };
}

/** The filters as typed: names, and local date-times from the time fields (empty for none). */
export interface AuditFilter {
  vault: string;
  caller: string;
  operation: string;
  from: string;
  to: string;
}

/** The most lines the route gives in one answer. */
export const MAX_TOP = 1000;

/** The query string for `GET /keyhold/audit`: only the filters given, times as ISO 8601 in UTC. */
export function auditQuery(filter: AuditFilter, top: number): string {
  const query = new URLSearchParams();
  if (filter.vault.trim()) query.set("vault", filter.vault.trim());
  if (filter.caller.trim()) query.set("caller", filter.caller.trim());
  if (filter.operation.trim()) query.set("operation", filter.operation.trim());
  if (filter.from) query.set("since", new Date(filter.from).toISOString());
  if (filter.to) query.set("until", new Date(filter.to).toISOString());
  query.set("top", String(top));
  return query.toString();
}

/**
 * One row per request, newest first: a request leaves a `request` line before its handler and an `outcome` line
 * after its answer, and the outcome carries everything the request line does plus the result; a request still
 * running (or whose outcome is past the lines asked for) shows its request line.
 */
export function oneRowPerRequest(lines: readonly AuditEntry[]): AuditEntry[] {
  const rows = new Map<string, AuditEntry>();
  for (const line of lines) {
    const held = rows.get(line.requestId);
    if (!held || (held.type === "request" && line.type === "outcome")) rows.set(line.requestId, line);
  }
  return [...rows.values()].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
}
