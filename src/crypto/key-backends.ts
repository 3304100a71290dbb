import { hsmNotConfigured } from "../errors/key-vault-error.js";
import type { KeyBackend, TokenKeyBackend } from "./key-backend.js";

/**
 * The backends of one deployment: software always, a token when one is configured. Each version is routed to the
 * backend its reference names, so software and token keys live side by side, and a key made in a token keeps
 * working there whatever the vault's other keys are.
 */
export class KeyBackends {
  constructor(
    readonly software: KeyBackend,
    readonly token: TokenKeyBackend | null,
  ) {}

  /** The backend that holds a version: software for no reference, else the token its reference names (503 if none). */
  holding(reference: string | null): KeyBackend {
    const backend = this.configuredFor(reference);
    if (!backend) throw hsmNotConfigured();
    return backend;
  }

  /** The backend that holds a version, or null when its token is not configured in this deployment. */
  configuredFor(reference: string | null): KeyBackend | null {
    if (reference === null) return this.software;
    return this.token && reference.startsWith(`${this.token.name}:`) ? this.token : null;
  }

  /** Where a new key of an -HSM type (or not) is made. */
  forNew(hsm: boolean): KeyBackend {
    return hsm && this.token ? this.token : this.software;
  }
}
