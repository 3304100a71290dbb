import { randomUUID } from "node:crypto";
import type { StoreOps } from "../../storage/store.js";
import { digestMatches, newOpaqueToken, tokenDigest } from "./opaque-token.js";
import type { SignedInUser } from "./signed-in-user.js";

/** Entra ID's refresh tokens last 90 days from their last use; so do Keyhold's. */
export const REFRESH_SECONDS = 90 * 86_400;

interface GrantBody {
  credentialId: string;
  clientId: string;
  audience: string;
  /** The digest of the refresh token now valid. */
  current: string;
  /** The digest of the one it replaced: presenting it again means a copy is in someone else's hands. */
  retired: string | null;
}

type GrantStore = Pick<StoreOps, "createAuthRecord" | "getAuthRecord" | "replaceAuthRecord" | "deleteAuthRecord">;

/**
 * Refresh tokens with rotation (OAuth 2.0 Security BCP, RFC 9700 §4.14.2): each use answers a new token and retires
 * the old. A retired token presented again revokes the whole grant, since either its thief or its owner now holds
 * a copy. A token reads `<grant id>.<secret>`; the store keeps the grant with the secret's digest.
 */
export class RefreshGrants {
  constructor(
    private readonly store: GrantStore,
    private readonly now: () => number,
  ) {}

  /** A new grant for this sign-in; answers its first refresh token. */
  async create(user: SignedInUser): Promise<string> {
    const id = randomUUID();
    const secret = newOpaqueToken();
    const body: GrantBody = {
      credentialId: user.credentialId,
      clientId: user.clientId,
      audience: user.audience,
      current: tokenDigest(secret),
      retired: null,
    };
    await this.store.createAuthRecord({
      kind: "grant",
      id,
      principalId: user.principalId,
      sessionId: user.sessionId,
      lookup: null,
      body: JSON.stringify(body),
      revision: 0,
      expiresAt: this.now() + REFRESH_SECONDS,
    });
    return `${id}.${secret}`;
  }

  /** Ends the grant this refresh token (current or retired) belongs to; false when it names none of this client's. */
  async revoke(refreshToken: string, clientId: string): Promise<boolean> {
    const { id, secret } = parts(refreshToken);
    const record = id ? await this.store.getAuthRecord("grant", id) : undefined;
    if (!record) return false;
    const body = JSON.parse(record.body) as GrantBody;
    const held = digestMatches(secret, body.current) || (body.retired !== null && digestMatches(secret, body.retired));
    if (!held || body.clientId.toLowerCase() !== clientId.toLowerCase()) return false;
    return this.store.deleteAuthRecord("grant", id);
  }

  /** The sign-in this refresh token continues and the token that replaces it, or null (unknown, expired, reused, other client). */
  async redeem(refreshToken: string, clientId: string): Promise<{ user: SignedInUser; refreshToken: string } | null> {
    const { id, secret } = parts(refreshToken);
    if (!id) return null;
    const record = await this.store.getAuthRecord("grant", id);
    if (!record?.principalId) return null;
    const body = JSON.parse(record.body) as GrantBody;
    if (body.retired !== null && digestMatches(secret, body.retired)) {
      await this.store.deleteAuthRecord("grant", id);
      return null;
    }
    if (!digestMatches(secret, body.current) || record.expiresAt <= this.now() || body.clientId.toLowerCase() !== clientId.toLowerCase()) {
      return null;
    }
    const next = newOpaqueToken();
    const rotated: GrantBody = { ...body, current: tokenDigest(next), retired: body.current };
    const replaced = await this.store.replaceAuthRecord(
      { ...record, body: JSON.stringify(rotated), expiresAt: this.now() + REFRESH_SECONDS },
      record.revision,
    );
    // Another request spent the same token a moment ago: only one of the two gets a successor.
    if (!replaced) return null;
    const user: SignedInUser = {
      principalId: record.principalId,
      credentialId: body.credentialId,
      clientId: body.clientId,
      audience: body.audience,
      sessionId: record.sessionId,
      nonce: null,
    };
    return { user, refreshToken: `${id}.${next}` };
  }
}

/** `<grant id>.<secret>`; an empty id when the token is not of that shape. */
function parts(refreshToken: string): { id: string; secret: string } {
  const dot = refreshToken.indexOf(".");
  return dot <= 0 ? { id: "", secret: "" } : { id: refreshToken.slice(0, dot), secret: refreshToken.slice(dot + 1) };
}
