/** The longest backend reference a version may hold (the schemas' CHECK agrees). */
export const MAX_BACKEND_REF_LENGTH = 200;

/**
 * A version's backend reference, refused before any statement runs when it is empty or too long, so that inside a
 * transaction the refusal leaves the transaction usable, as the contract says of a write that fails.
 */
export function checkedBackendRef(ref: string | null): string | null {
  if (ref !== null && (ref.length === 0 || ref.length > MAX_BACKEND_REF_LENGTH)) {
    throw new RangeError(`a backend reference has 1 to ${MAX_BACKEND_REF_LENGTH} characters, not ${ref.length}`);
  }
  return ref;
}
