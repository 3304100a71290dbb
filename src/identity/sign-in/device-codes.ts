import { randomInt } from "node:crypto";
import type { AuthRecord } from "../../storage/records.js";
import type { StoreOps } from "../../storage/store.js";
import { newOpaqueToken, tokenDigest } from "./opaque-token.js";
import type { SignInSession } from "./sign-in-sessions.js";
import type { SignedInUser } from "./signed-in-user.js";

/** Entra ID gives 15 minutes to enter a code, and asks clients to poll every 5 seconds. */
export const DEVICE_CODE_SECONDS = 900;
export const DEVICE_POLL_SECONDS = 5;

/** RFC 8628 §6.1: consonants only (no words, no 0/O or 1/I confusion); 8 of 20 letters ≈ 34.6 bits. */
const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
const USER_CODE_LENGTH = 8;

export interface StartedDeviceCode {
  deviceCode: string;
  /** As shown to the person: `XXXX-XXXX`. */
  userCode: string;
  expiresIn: number;
  interval: number;
}

export type DevicePoll =
  | { status: "pending" }
  | { status: "declined" }
  | { status: "expired" }
  | { status: "invalid" }
  | { status: "approved"; user: SignedInUser };

interface DeviceBody {
  clientId: string;
  audience: string;
  status: "pending" | "approved" | "declined";
  credentialId: string | null;
}

type DeviceStore = Pick<StoreOps, "createAuthRecord" | "getAuthRecord" | "findAuthRecord" | "replaceAuthRecord" | "deleteAuthRecord">;

/** Letters only, upper case: what a person types is matched however they wrote it (`bcdf ghjk`, `BCDF-GHJK`). */
export function normalisedUserCode(typed: string): string {
  return typed.toUpperCase().replace(/[^A-Z]/g, "");
}

/**
 * The device authorization grant (RFC 8628): a program gets a device code and shows the person a user code; the
 * person enters it in a browser where they are signed in and approves; the program's next poll gets the tokens.
 */
export class DeviceCodes {
  constructor(
    private readonly store: DeviceStore,
    private readonly now: () => number,
    private readonly pollSeconds = DEVICE_POLL_SECONDS,
  ) {}

  async start(clientId: string, audience: string): Promise<StartedDeviceCode> {
    const deviceCode = newOpaqueToken();
    const body: DeviceBody = { clientId, audience, status: "pending", credentialId: null };
    // A user code already in use (about one chance in 10^10 per live code) is drawn again.
    for (;;) {
      const userCode = Array.from({ length: USER_CODE_LENGTH }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join("");
      const created = await this.store.createAuthRecord({
        kind: "device",
        id: tokenDigest(deviceCode),
        principalId: null,
        sessionId: null,
        lookup: userCode,
        body: JSON.stringify(body),
        revision: 0,
        expiresAt: this.now() + DEVICE_CODE_SECONDS,
      });
      if (created) {
        const shown = `${userCode.slice(0, 4)}-${userCode.slice(4)}`;
        return { deviceCode, userCode: shown, expiresIn: DEVICE_CODE_SECONDS, interval: this.pollSeconds };
      }
    }
  }

  /** Whether a person's typed code names a sign-in still waiting for its user. */
  async isPending(typedUserCode: string): Promise<boolean> {
    return (await this.#pending(typedUserCode)) !== null;
  }

  /** The signed-in user approves the program's sign-in; false when the code is unknown, expired or already answered. */
  async approve(typedUserCode: string, session: SignInSession): Promise<boolean> {
    return this.#answer(typedUserCode, "approved", session);
  }

  async decline(typedUserCode: string): Promise<boolean> {
    return this.#answer(typedUserCode, "declined", null);
  }

  /** What the program polling with this device code is told; an approval is handed out once. */
  async poll(deviceCode: string, clientId: string): Promise<DevicePoll> {
    const id = tokenDigest(deviceCode);
    const record = await this.store.getAuthRecord("device", id);
    if (!record) return { status: "invalid" };
    const body = JSON.parse(record.body) as DeviceBody;
    if (body.clientId.toLowerCase() !== clientId.toLowerCase()) return { status: "invalid" };
    if (record.expiresAt <= this.now()) return { status: "expired" };
    if (body.status === "pending") return { status: "pending" };
    if (!(await this.store.deleteAuthRecord("device", id))) return { status: "invalid" };
    if (body.status === "declined" || !record.principalId || !body.credentialId) return { status: "declined" };
    return {
      status: "approved",
      user: {
        principalId: record.principalId,
        credentialId: body.credentialId,
        clientId: body.clientId,
        audience: body.audience,
        sessionId: null,
        nonce: null,
      },
    };
  }

  async #pending(typedUserCode: string): Promise<AuthRecord | null> {
    const userCode = normalisedUserCode(typedUserCode);
    if (userCode.length !== USER_CODE_LENGTH) return null;
    const record = await this.store.findAuthRecord("device", userCode);
    if (!record || record.expiresAt <= this.now()) return null;
    return (JSON.parse(record.body) as DeviceBody).status === "pending" ? record : null;
  }

  async #answer(typedUserCode: string, status: "approved" | "declined", session: SignInSession | null): Promise<boolean> {
    const record = await this.#pending(typedUserCode);
    if (!record) return false;
    const body: DeviceBody = { ...(JSON.parse(record.body) as DeviceBody), status, credentialId: session?.credentialId ?? null };
    return this.store.replaceAuthRecord(
      { ...record, principalId: session?.principalId ?? null, body: JSON.stringify(body) },
      record.revision,
    );
  }
}
