import { afterEach, beforeEach } from "node:test";
import type { CredentialRecord, Page, PrincipalRecord, ObjectVersionRecord, VaultRecord } from "../../src/storage/records.js";
import type { Store } from "../../src/storage/store.js";

/** Opens a fresh, empty store; `cleanup` closes it and removes whatever it left behind. */
export type OpenStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/** Gives every test in the enclosing describe a fresh store; call it inside `describe`. */
export function freshStorePerTest(open: OpenStore): () => Store {
  let current: Awaited<ReturnType<OpenStore>> | undefined;
  beforeEach(async () => {
    current = await open();
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    await done?.cleanup();
  });
  return () => {
    if (!current) throw new Error("no store is open outside a test");
    return current.store;
  };
}

export const VAULT = "Main";

export function vaultRecord(name: string, overrides: Partial<VaultRecord> = {}): VaultRecord {
  return {
    name,
    createdAt: 1_700_000_000,
    retentionDays: 90,
    purgeProtection: false,
    enableRbacAuthorization: true,
    sku: "standard",
    createdBy: "tester",
    ...overrides,
  };
}

/** A version id of the usual 32 hex digits; later `n` sort lower, so ordering by id instead of creation shows. */
export function versionId(n: number): string {
  return (0xffff - n).toString(16).padStart(32, "0");
}

export type NewVersion = Omit<ObjectVersionRecord, "seq">;

export function versionRecord(name: string, n: number, overrides: Partial<NewVersion> = {}): NewVersion {
  return {
    vault: VAULT,
    name,
    version: versionId(n),
    created: 1_700_000_000 + n,
    updated: 1_700_000_000 + n,
    kind: "secret",
    enabled: true,
    notBefore: null,
    expires: null,
    contentType: null,
    keyOps: null,
    publicData: null,
    tags: null,
    sealed: Buffer.from(`sealed:${name}:${n}`),
    managed: false,
    backendRef: null,
    ...overrides,
  };
}

/** Adds `count` versions numbered from `first`, in order, and returns what the store gave back. */
export async function addVersions(store: Store, name: string, count: number, first = 1): Promise<ObjectVersionRecord[]> {
  const added: ObjectVersionRecord[] = [];
  for (let n = first; n < first + count; n++) added.push(await store.addObjectVersion(versionRecord(name, n)));
  return added;
}

export function principalRecord(id: string, overrides: Partial<PrincipalRecord> = {}): PrincipalRecord {
  return { id, kind: "servicePrincipal", displayName: `principal ${id}`, userName: null, createdAt: 1_700_000_000, ...overrides };
}

export function credentialRecord(id: string, principalId: string, overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    id,
    principalId,
    kind: "clientSecret",
    hash: `hash-of-${id}`,
    certificate: null,
    createdAt: 1_700_000_000,
    expiresAt: null,
    ...overrides,
  };
}

/**
 * Follows a listing page by page. `between(pageIndex)` runs after each page that has a `next`, before the
 * following page is fetched (for writes that race the listing). Stops with an error after 100 pages.
 */
export async function collectPages<T>(
  fetch: (after: string | null) => Promise<Page<T>>,
  between: (pageIndex: number, next: string) => Promise<void> = async () => {},
): Promise<T[][]> {
  const pages: T[][] = [];
  let after: string | null = null;
  do {
    const page: Page<T> = await fetch(after);
    pages.push(page.items);
    after = page.next;
    if (after !== null) await between(pages.length - 1, after);
    if (pages.length > 100) throw new Error("listing did not end after 100 pages");
  } while (after !== null);
  return pages;
}

/** The ASCII case-insensitive order the contract lists names in. */
export function byNameIgnoringCase(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Tracks whether a promise has settled, without changing how it settles. */
export function watch<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  return { promise: tracked, settled: () => settled };
}

/** A promise the test opens by hand. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}
