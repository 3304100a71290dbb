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

  /** The backend that holds a version: software for no reference, else the token its reference names. */
  holding(reference: string | null): KeyBackend {
    if (reference === null) return this.software;
    if (this.token && reference.startsWith(`${this.token.name}:`)) return this.token;
    throw hsmNotConfigured();
  }

  /** Where a new key of an -HSM type (or not) is made. */
  forNew(hsm: boolean): KeyBackend {
    return hsm && this.token ? this.token : this.software;
  }
}
