import { useState } from "preact/hooks";
import { Field } from "../ui.js";

/** Epoch seconds as a `datetime-local` value (the browser's local time), and back (empty: none). */
export function dateInput(epoch?: number): string {
  if (!epoch) return "";
  const local = new Date(epoch * 1000);
  return new Date(local.getTime() - local.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export const epochOf = (text: string): number | null => (text ? Math.floor(new Date(text).getTime() / 1000) : null);

/** A version's enabled flag and validity, as Key Vault's `attributes` hold them. */
export interface VersionAttributes {
  enabled: boolean;
  nbf?: number;
  exp?: number;
}

/**
 * The enabled flag, "Not before" and "Expires" of a version being edited: the fields, and the `attributes` they make
 * for a PATCH.
 */
export function useValidityFields(initial: VersionAttributes) {
  const [enabled, setEnabled] = useState(initial.enabled);
  const [notBefore, setNotBefore] = useState(dateInput(initial.nbf));
  const [expires, setExpires] = useState(dateInput(initial.exp));
  const fields = (
    <>
      <label class="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> Enabled
      </label>
      <Field label="Not before">
        <input type="datetime-local" value={notBefore} onInput={(e) => setNotBefore(e.currentTarget.value)} />
      </Field>
      <Field label="Expires">
        <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
      </Field>
    </>
  );
  return { fields, attributes: () => ({ enabled, exp: epochOf(expires), nbf: epochOf(notBefore) }) };
}
