import type { Envelope } from "../crypto/envelope.js";
import type { Page, VaultRecord } from "../storage/records.js";
import type { StoreOps } from "../storage/store.js";

/**
 * One kind of small per-vault setting (a certificate issuer, the certificate contacts), kept as JSON sealed under
 * the master key like a secret's value: what the store holds reveals nothing, credentials included. The seal's
 * context is the kind, the vault and the name, so a sealed value cannot be moved to another entry.
 */
export class SealedVaultEntries<T> {
  constructor(
    private readonly envelope: Envelope,
    private readonly kind: string,
  ) {}

  #context(vault: string, name: string): string {
    return `${this.kind}/${vault.toLowerCase()}/${name.toLowerCase()}`;
  }

  #open(vault: VaultRecord, name: string, value: Buffer): T {
    return JSON.parse(this.envelope.open(value, this.#context(vault.name, name)).toString("utf8")) as T;
  }

  async get(store: StoreOps, vault: VaultRecord, name: string): Promise<{ name: string; value: T } | undefined> {
    const entry = await store.getVaultEntry(vault.name, this.kind, name);
    return entry && { name: entry.name, value: this.#open(vault, entry.name, entry.value) };
  }

  /** Creates or replaces the entry; answers the name it is kept under (as first written). */
  async put(store: StoreOps, vault: VaultRecord, name: string, value: T): Promise<string> {
    const sealed = this.envelope.seal(Buffer.from(JSON.stringify(value), "utf8"), this.#context(vault.name, name));
    return (await store.putVaultEntry({ vault: vault.name, kind: this.kind, name, value: sealed })).name;
  }

  delete(store: StoreOps, vault: VaultRecord, name: string): Promise<boolean> {
    return store.deleteVaultEntry(vault.name, this.kind, name);
  }

  async list(store: StoreOps, vault: VaultRecord, after: string | null, limit: number): Promise<Page<{ name: string; value: T }>> {
    const page = await store.listVaultEntries(vault.name, this.kind, after, limit);
    return { items: page.items.map((e) => ({ name: e.name, value: this.#open(vault, e.name, e.value) })), next: page.next };
  }
}
