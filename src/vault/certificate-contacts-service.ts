import type { Envelope } from "../crypto/envelope.js";
import { badParameter, notFound } from "../errors/key-vault-error.js";
import type { VaultRecord } from "../storage/records.js";
import type { Store } from "../storage/store.js";
import type { CertificateContact } from "./certificate-contacts.js";
import { SealedVaultEntries } from "./sealed-vault-entries.js";

export interface CertificateContactsServiceDeps {
  store: Store;
  envelope: Envelope;
}

/** The one entry a vault keeps its contacts under. */
const CONTACTS = "contacts";

/** One `@` with something on both sides and no white space: an address a notice can be sent to, not a full RFC 5322 check. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Azure's answer for a vault with no contacts, in its words. */
const contactsNotFound = () => notFound("ContactsNotFound", "Contacts not found");

/** Contacts are whom the vault notifies of a certificate's lifetime: each needs an e-mail address. */
function checkContacts(contacts: CertificateContact[]): void {
  if (contacts.length === 0) throw badParameter("The parameter 'contacts' must list at least one contact.");
  contacts.forEach((contact, i) => {
    if (contact.email === null || !EMAIL.test(contact.email)) {
      throw badParameter(`The parameter 'contacts[${i}].email' must be an e-mail address: every contact needs one.`);
    }
  });
}

/** A vault's certificate contacts (Azure's SetCertificateContacts, …): one list per vault, sealed at rest. */
export class CertificateContactsService {
  readonly #store: Store;
  readonly #contacts: SealedVaultEntries<CertificateContact[]>;

  constructor(deps: CertificateContactsServiceDeps) {
    this.#store = deps.store;
    this.#contacts = new SealedVaultEntries(deps.envelope, "certificate-contacts");
  }

  /** Replaces the vault's list. */
  async set(vault: VaultRecord, contacts: CertificateContact[]): Promise<CertificateContact[]> {
    checkContacts(contacts);
    await this.#contacts.put(this.#store, vault, CONTACTS, contacts);
    return contacts;
  }

  async get(vault: VaultRecord): Promise<CertificateContact[]> {
    const found = await this.#contacts.get(this.#store, vault, CONTACTS);
    if (!found) throw contactsNotFound();
    return found.value;
  }

  /** Removes the list and answers it as it was. */
  delete(vault: VaultRecord): Promise<CertificateContact[]> {
    return this.#store.transaction(async (tx) => {
      const found = await this.#contacts.get(tx, vault, CONTACTS);
      if (!found) throw contactsNotFound();
      await this.#contacts.delete(tx, vault, CONTACTS);
      return found.value;
    });
  }
}
