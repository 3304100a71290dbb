/**
 * Role assignment scopes: `/` (the whole server), `/vaults/NAME`, or one object,
 * `/vaults/NAME/{secrets|keys|certificates}/OBJECT`. Compared without regard to case, as Azure compares them.
 */
const SCOPE = /^\/(?:vaults\/([0-9a-zA-Z-]{3,24})(?:\/(secrets|keys|certificates)\/([0-9a-zA-Z-]{1,127}))?)?$/i;

export interface ParsedScope {
  vault: string | null;
  collection: string | null;
  object: string | null;
}

/** The scope in canonical form (lower case, no trailing slash), or null when it is not one. */
export function canonicalScope(scope: string): string | null {
  const trimmed = scope.length > 1 ? scope.replace(/\/+$/, "") : scope;
  return SCOPE.test(trimmed) ? trimmed.toLowerCase() : null;
}

export function parseScope(scope: string): ParsedScope | null {
  const match = SCOPE.exec(scope);
  if (!match) return null;
  return { vault: match[1]?.toLowerCase() ?? null, collection: match[2]?.toLowerCase() ?? null, object: match[3]?.toLowerCase() ?? null };
}

/** Whether an assignment at `assigned` (canonical) applies to the target: it is the target or above it. */
export function scopeCovers(assigned: string, target: string): boolean {
  return assigned === "/" || target === assigned || target.startsWith(`${assigned}/`);
}

export function objectScope(vault: string, collection: string, name: string): string {
  return `/vaults/${vault}/${collection}/${name}`.toLowerCase();
}

export function vaultScope(vault: string): string {
  return `/vaults/${vault}`.toLowerCase();
}
