import { randomBytes, randomUUID } from "node:crypto";
import { gcmDecrypt, gcmEncrypt } from "../crypto/aes.js";
import type { CredentialRecord } from "../storage/records.js";
import type { Store } from "../storage/store.js";
import type { PrincipalService } from "./principal-service.js";
import { base32 } from "./base32.js";
import { TOTP_DIGITS, TOTP_PERIOD_SECONDS, matchingTotpStep } from "./totp.js";

type MfaStore = Pick<Store, "transaction" | "listCredentials" | "createAuthRecord">;

/** How a TOTP secret is kept in its credential's `hash`: `totp1$` and base64 of 12 iv | ciphertext | 16 tag. */
const STORED_PREFIX = "totp1$";
const IV = 12;
const TAG = 16;
/** 160 bits, the length of an HMAC-SHA-1 output, as RFC 4226 §4 recommends. */
const SECRET_BYTES = 20;
/** A used time step is remembered past the last moment its code could be accepted (one step either side). */
const USED_STEP_SECONDS = 4 * TOTP_PERIOD_SECONDS;
const ISSUER = "Keyhold";

/** The AES-GCM additional data: a stored secret opens only as this credential of this principal. */
const boundTo = (credential: Pick<CredentialRecord, "principalId" | "id">): Buffer =>
  Buffer.from(`totp\0${credential.principalId.toLowerCase()}\0${credential.id}`, "utf8");

/**
 * Users' second factor: a TOTP secret (RFC 6238, as authenticator apps use it) that the user's authenticator app holds
 * and the server keeps encrypted under the MFA key (mfa-key.ts). A user has at most one. Codes are checked against
 * the same failed-attempt limits as passwords, and each time step's code is accepted once per user, through a
 * record in the store, so a code seen once is worthless at every node.
 */
export class MfaService {
  constructor(
    private readonly store: MfaStore,
    private readonly principals: PrincipalService,
    private readonly mfaKey: Buffer,
    private readonly now: () => number,
  ) {}

  /**
   * A new TOTP secret for the user, replacing any it had; answered once as the otpauth URI an authenticator app reads
   * (as a QR code or typed in), and never again.
   */
  async enableTotp(userId: string): Promise<string> {
    const user = await this.principals.require(userId, "user");
    const secret = randomBytes(SECRET_BYTES);
    const credential: CredentialRecord = {
      id: randomUUID(),
      principalId: user.id,
      kind: "totp",
      hash: "",
      certificate: null,
      createdAt: this.now(),
      expiresAt: null,
    };
    const sealed = gcmEncrypt(this.mfaKey, secret, boundTo(credential));
    credential.hash = STORED_PREFIX + Buffer.concat([sealed.iv, sealed.ciphertext, sealed.tag]).toString("base64");
    await this.store.transaction(async (tx) => {
      const old = (await tx.listCredentials(user.id)).filter((c) => c.kind === "totp");
      await tx.addCredential(credential);
      for (const c of old) await tx.deleteCredential(user.id, c.id);
    });
    const label = encodeURIComponent(`${ISSUER}:${user.userName ?? user.id}`)
      .replace(/%40/g, "@")
      .replace(/%3A/g, ":");
    const parameters = `secret=${base32(secret)}&issuer=${ISSUER}&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`;
    return `otpauth://totp/${label}?${parameters}`;
  }

  /** Removes the user's TOTP secret, if it has one: from then on a password alone signs it in. */
  async disableTotp(userId: string): Promise<void> {
    const user = await this.principals.require(userId, "user");
    await this.store.transaction(async (tx) => {
      for (const c of (await tx.listCredentials(user.id)).filter((c) => c.kind === "totp")) await tx.deleteCredential(user.id, c.id);
    });
  }

  async hasTotp(userId: string): Promise<boolean> {
    return (await this.#credential(userId)) !== undefined;
  }

  /**
   * Whether `code` is the user's current TOTP code (one step either side), not used before. Throws AuthThrottled
   * before any check when the user or the address has failed too often lately; a wrong or replayed code counts as a
   * failure, as a wrong password does.
   */
  async verifyTotp(userId: string, code: string, address: string | undefined): Promise<boolean> {
    const admission = this.principals.throttle.admit(`totp:${userId}`, address);
    let accepted = false;
    try {
      accepted = await this.#accepts(userId, code.replace(/\s/g, ""));
    } finally {
      if (accepted) admission.succeeded();
      else admission.failed();
    }
    return accepted;
  }

  async #accepts(userId: string, code: string): Promise<boolean> {
    const credential = await this.#credential(userId);
    if (!credential) return false;
    const now = this.now();
    const step = matchingTotpStep(this.#secretOf(credential), code, now);
    if (step === null) return false;
    // createAuthRecord answers false when this user's step is already recorded: the code was used before.
    return this.store.createAuthRecord({
      kind: "code",
      id: `totp:${credential.principalId.toLowerCase()}:${step}`,
      principalId: credential.principalId,
      sessionId: null,
      lookup: null,
      body: "{}",
      revision: 0,
      expiresAt: now + USED_STEP_SECONDS,
    });
  }

  async #credential(userId: string): Promise<CredentialRecord | undefined> {
    return (await this.store.listCredentials(userId)).find((c) => c.kind === "totp");
  }

  #secretOf(credential: CredentialRecord): Buffer {
    const packed = Buffer.from(credential.hash.slice(STORED_PREFIX.length), "base64");
    const ciphertext = packed.subarray(IV, packed.length - TAG);
    return gcmDecrypt(this.mfaKey, ciphertext, packed.subarray(0, IV), packed.subarray(packed.length - TAG), boundTo(credential));
  }
}
