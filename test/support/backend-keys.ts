import { randomUUID } from "node:crypto";
import type { BackendKey, KeyOptions } from "../../src/crypto/key-backend.js";
import type { NewKeyMaterial } from "../../src/crypto/key-material.js";

/** Options for a key a backend makes in a test: RSA 2048 or P-256, -HSM, labelled `PREFIX/<uuid>` in a token. */
export const keyOptions = (labelPrefix: string, overrides: Partial<KeyOptions> = {}): KeyOptions => ({
  size: 2048,
  curve: "P-256",
  publicExponent: 65537,
  hsm: true,
  label: `${labelPrefix}/${randomUUID()}`,
  ...overrides,
});

/** A key just made by a backend, as the vault layer hands a stored version back to it. */
export const asBackendKey = (made: NewKeyMaterial): BackendKey => ({
  id: randomUUID(),
  description: made.description,
  reference: made.reference ?? null,
  material: () => made.material,
});
