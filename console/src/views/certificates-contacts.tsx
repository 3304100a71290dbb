import { useState } from "preact/hooks";
import { ApiError } from "../api.js";
import { useConsole } from "../context.js";
import { href } from "../router.js";
import { ErrorNotice, Field, Loading, useAction, useLoad } from "../ui.js";

interface Contact {
  email?: string;
  name?: string;
  phone?: string;
}

/** Contacts as lines of `email, name, phone` (name and phone optional), and back. */
const contactsText = (contacts: Contact[]) =>
  contacts.map((c) => [c.email ?? "", c.name ?? "", c.phone ?? ""].join(", ").replace(/(, )+$/, "")).join("\n");

function parseContacts(text: string): Contact[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [email = "", name = "", phone = ""] = line.split(",").map((part) => part.trim());
      if (!email.includes("@")) throw new Error(`A contact's line starts with an e-mail address: '${line}'.`);
      return { email, ...(name && { name }), ...(phone && { phone }) };
    });
}

/**
 * The vault's one list of certificate contacts, whom EmailContacts lifetime actions name. The API takes no empty
 * list, so clearing it is a DELETE.
 */
export function CertificateContacts({ vaultName }: { vaultName: string }) {
  const { api } = useConsole();
  const path = "/certificates/contacts";
  const loaded = useLoad(
    () =>
      api.vault<{ contacts?: Contact[] }>(vaultName, "GET", path).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return { contacts: [] };
        throw error;
      }),
    [vaultName],
  );
  return (
    <div>
      <p class="crumbs">
        <a href={href("vaults", vaultName, "certificates")}>Certificates</a> /
      </p>
      <h2>Certificate contacts</h2>
      <ErrorNotice error={loaded.error} />
      {loaded.data ? <ContactsForm vaultName={vaultName} contacts={loaded.data.contacts ?? []} onSaved={loaded.reload} /> : null}
      {!loaded.data && !loaded.error ? <Loading /> : null}
    </div>
  );
}

function ContactsForm({ vaultName, contacts, onSaved }: { vaultName: string; contacts: Contact[]; onSaved: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [text, setText] = useState(contactsText(contacts));
  const [saved, setSaved] = useState(false);
  const save = (work: () => Promise<unknown>) => {
    setSaved(false);
    void action.run(async () => {
      await work();
      setSaved(true);
      onSaved();
    });
  };
  const submit = (event: Event) => {
    event.preventDefault();
    save(async () => {
      const list = parseContacts(text);
      await api.vault(
        vaultName,
        list.length > 0 ? "PUT" : "DELETE",
        "/certificates/contacts",
        list.length > 0 ? { contacts: list } : undefined,
      );
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="Contacts">
      <Field label="Contacts" hint="One per line: e-mail, name, phone (name and phone optional)">
        <textarea value={text} onInput={(e) => setText(e.currentTarget.value)} rows={5} spellcheck={false} />
      </Field>
      <ErrorNotice error={action.error} />
      {saved ? <p role="status">Saved.</p> : null}
      <div class="actions">
        {contacts.length > 0 ? (
          <button
            type="button"
            class="danger"
            disabled={action.busy}
            onClick={() => save(() => api.vault(vaultName, "DELETE", "/certificates/contacts"))}
          >
            Remove all contacts
          </button>
        ) : null}
        <button type="submit" class="primary" disabled={action.busy}>
          Save
        </button>
      </div>
    </form>
  );
}
