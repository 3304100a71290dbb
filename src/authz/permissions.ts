import type { PermissionCategory } from "../storage/records.js";
import { PERMISSIONS } from "./permission-names.js";

export { PERMISSIONS };

export const PERMISSION_CATEGORIES: readonly PermissionCategory[] = ["keys", "secrets", "certificates"];

/**
 * The canonical spelling of each given permission (names compare without regard to case, as Azure's do), in
 * the catalogue's order without repeats; null names the first unknown one.
 */
export function canonicalPermissions(
  category: PermissionCategory,
  given: readonly string[],
): { permissions: string[] } | { unknown: string } {
  const known = PERMISSIONS[category];
  const wanted = new Set<string>();
  for (const name of given) {
    if (name.toLowerCase() === "all") {
      known.forEach((p) => wanted.add(p));
      continue;
    }
    const match = known.find((p) => p.toLowerCase() === name.toLowerCase());
    if (!match) return { unknown: name };
    wanted.add(match);
  }
  return { permissions: known.filter((p) => wanted.has(p)) };
}

export const allPermissions = (): Record<PermissionCategory, string[]> => ({
  keys: [...PERMISSIONS.keys],
  secrets: [...PERMISSIONS.secrets],
  certificates: [...PERMISSIONS.certificates],
});
