/** Controls the key forms share: the operations a key permits, and dates as the browser's inputs hold them. */

/** The operations a key version may permit (import and export are Managed HSM's, left out). */
export const KEY_OPERATIONS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"] as const;

/** What a new key of a type permits unless the user says otherwise: elliptic curves only sign. */
export function defaultOperations(kty: string): string[] {
  return kty.startsWith("EC") ? ["sign", "verify"] : [...KEY_OPERATIONS];
}

/** One checkbox per operation, in a group named "Operations". */
export function OperationsField({ value, onChange }: { value: readonly string[]; onChange: (ops: string[]) => void }) {
  const toggle = (op: string, on: boolean) => onChange(KEY_OPERATIONS.filter((o) => (o === op ? on : value.includes(o))));
  return (
    <fieldset class="key-ops">
      <legend>Operations</legend>
      {KEY_OPERATIONS.map((op) => (
        <label key={op} class="check">
          <input type="checkbox" checked={value.includes(op)} onChange={(e) => toggle(op, e.currentTarget.checked)} /> {op}
        </label>
      ))}
    </fieldset>
  );
}
