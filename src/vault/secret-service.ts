import type { Envelope } from "../crypto/envelope.js";
import type { ObjectAttributes, VaultRecord } from "../storage/records.js";
import type { Store } from "../storage/store.js";
import { badParameter, forbidden } from "../errors/key-vault-error.js";
import { CONTENT_TYPE_MAX_CHARS, SECRET_VALUE_MAX_BYTES, checkImportSize, checkObjectName, checkTags } from "./limits.js";
import { mapSliced } from "./time-slice.js";
import { ObjectLifecycle, type ObjectView } from "./object-lifecycle.js";

export type SecretAttributes = Omit<ObjectAttributes, "keyOps">;

export interface SecretInput extends SecretAttributes {
  value: string;
}

/** A secret version as the API shows it; `value` only where the operation returns it. */
export interface SecretView extends ObjectView {
  value?: string;
}

export interface SecretServiceDeps {
  store: Store;
  envelope: Envelope;
  now: () => number;
}

function checkAttributes(a: SecretAttributes): void {
  checkTags(a.tags);
  if (a.contentType !== null && a.contentType.length > CONTENT_TYPE_MAX_CHARS) {
    throw badParameter(`The content type must be at most ${CONTENT_TYPE_MAX_CHARS} characters long.`);
  }
}

/** The Secrets API's rules, independent of HTTP and of the store behind it; the shared lifecycle is `lifecycle`. */
export class SecretService {
  readonly lifecycle: ObjectLifecycle<SecretView>;

  constructor(deps: SecretServiceDeps) {
    this.lifecycle = new ObjectLifecycle<SecretView>(deps.store, deps.envelope, deps.now, {
      kind: "secret",
      view: (vault, record, state) => ({ vault, record, state }),
      // Azure returns expired and not-yet-valid secrets; only a disabled version is refused.
      read: (vault, record, open) => {
        if (!record.enabled) throw forbidden("Operation get is not allowed on a disabled secret.", "SecretDisabled");
        return { vault, record, value: open().toString("utf8") };
      },
      checkAttributes,
    });
  }

  #check(name: string, input: SecretInput): void {
    checkObjectName("secret", name);
    if (Buffer.byteLength(input.value, "utf8") > SECRET_VALUE_MAX_BYTES) {
      throw badParameter(`The secret value exceeds the maximum size of ${SECRET_VALUE_MAX_BYTES} bytes.`);
    }
    checkAttributes(input);
  }

  async set(vault: VaultRecord, name: string, input: SecretInput): Promise<SecretView> {
    this.#check(name, input);
    const { value, ...attributes } = input;
    const view = await this.lifecycle.create(vault, name, {
      ...attributes,
      keyOps: null,
      publicData: null,
      content: Buffer.from(value, "utf8"),
    });
    return { ...view, value };
  }

  /**
   * Sets many secrets in one transaction (Keyhold's extension behind `keyhold secret import`): every input is
   * checked before anything is written, and if one write is refused (a soft-deleted name) none stays. At most
   * SECRETS_IMPORT_MAX of them; the sealing and the writes give the event loop back as they go (createMany).
   */
  async importMany(vault: VaultRecord, inputs: readonly (SecretInput & { name: string })[]): Promise<SecretView[]> {
    checkImportSize(inputs.length);
    const names = new Set<string>();
    const items = await mapSliced(inputs, ({ name, value, ...attributes }) => {
      this.#check(name, { value, ...attributes });
      if (names.has(name.toLowerCase())) throw badParameter(`The secret '${name}' appears twice in the import.`);
      names.add(name.toLowerCase());
      return { name, input: { ...attributes, keyOps: null, publicData: null, content: Buffer.from(value, "utf8") } };
    });
    const records = await this.lifecycle.createMany(vault, items);
    return records.map((record) => ({ vault, record }));
  }
}
