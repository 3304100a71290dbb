import type { Page } from "../../storage/records.js";
import type { VaultRequest } from "../data-plane.js";
import { nextLink, parseMaxResults, parseSkipToken } from "../wire/paging.js";

/** Path parameters and helpers the data-plane routes share. */
export interface NameParams {
  name: string;
  version?: string;
}

export type Query = Record<string, string | undefined>;

/** An empty version segment (`/secrets/n/`, `/keys/k//encrypt`) means the latest (docs/clients.md §6). */
export const versionOf = (params: NameParams): string | null => (params.version ? params.version : null);

/** One page of a list in Azure's shape: `value` and an absolute `nextLink` on the vault host, or null. */
export async function listPage<T>(
  kv: VaultRequest,
  path: string,
  query: Query,
  fetch: (after: string | null, max: number) => Promise<Page<T>>,
  toJson: (item: T) => object,
): Promise<{ value: object[]; nextLink: string | null }> {
  const max = parseMaxResults(query.maxresults);
  const page = await fetch(parseSkipToken(query.$skiptoken), max);
  return { value: page.items.map(toJson), nextLink: nextLink(kv.base, path, kv.apiVersion, page.next, max) };
}
