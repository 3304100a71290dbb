import * as joseErrors from "jose/errors";
import { jwtVerify } from "jose/jwt/verify";
import type { PrincipalKind } from "../storage/records.js";
import type { SigningKey } from "./signing-key.js";

export interface VerifiedCaller {
  principalId: string;
  /** The credential the token was issued for (claim `kh_cid`). */
  credentialId: string;
  /** The principal's kind as the token says (`kh_kind`); null in a token issued before Keyhold wrote it. */
  kind: PrincipalKind | null;
  tenantId: string;
  audience: string;
  expiresAt: number;
}

const isPrincipalKind = (kind: unknown): kind is PrincipalKind =>
  kind === "servicePrincipal" || kind === "managedIdentity" || kind === "user";

const VERIFIED_CACHE_LIMIT = 10_000;

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "InvalidTokenError";
  }
}

export interface TokenVerifierOptions {
  /** Whether a token's `iss` is one this server accepts (its own issuer; in a dev cluster, any node's). */
  acceptIssuer: (iss: string) => boolean;
  tenantId: string;
  audiences: readonly string[];
  /** Allowed clock difference in seconds for exp and nbf. */
  leewaySeconds: number;
  now: () => number;
}

/**
 * Verifies bearer tokens: the issuer's own key only, `alg` pinned to ES256 (so `none` and HMAC tricks fail),
 * the accepted issuer and the tenant, one of the served audiences, exp/nbf with a small leeway (RFC 7519 §4.1).
 */
export class TokenVerifier {
  /**
   * Tokens already verified, by their exact text, until they expire: a client sends the same token for an
   * hour, and an ES256 verification costs ~50 µs. A different byte anywhere misses and is verified in full.
   */
  readonly #verified = new Map<string, VerifiedCaller>();

  constructor(
    private readonly key: SigningKey,
    private readonly options: TokenVerifierOptions,
  ) {}

  async verify(token: string): Promise<VerifiedCaller> {
    const cached = this.#verified.get(token);
    if (cached) {
      if (this.options.now() < cached.expiresAt + this.options.leewaySeconds) return cached;
      this.#verified.delete(token);
    }
    const caller = await this.#verifySignatureAndClaims(token);
    if (this.#verified.size >= VERIFIED_CACHE_LIMIT) this.#verified.delete(this.#verified.keys().next().value!);
    this.#verified.set(token, caller);
    return caller;
  }

  async #verifySignatureAndClaims(token: string): Promise<VerifiedCaller> {
    try {
      const { payload } = await jwtVerify(token, this.key.publicKey, {
        algorithms: ["ES256"],
        audience: [...this.options.audiences],
        clockTolerance: this.options.leewaySeconds,
        currentDate: new Date(this.options.now() * 1000),
        requiredClaims: ["exp", "nbf", "iat", "iss", "oid", "tid", "kh_cid"],
      });
      if (typeof payload.iss !== "string" || !this.options.acceptIssuer(payload.iss))
        throw new InvalidTokenError("AKV10032: Invalid issuer or tenant.");
      if (payload.tid !== this.options.tenantId || typeof payload.oid !== "string" || typeof payload.kh_cid !== "string") {
        throw new InvalidTokenError("AKV10032: Invalid issuer or tenant.");
      }
      return {
        principalId: payload.oid,
        credentialId: payload.kh_cid,
        kind: isPrincipalKind(payload.kh_kind) ? payload.kh_kind : null,
        tenantId: payload.tid,
        audience: String(payload.aud),
        expiresAt: Number(payload.exp),
      };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError("AKV10022: Invalid token: the token has expired.");
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "aud") {
        throw new InvalidTokenError("AKV10022: Invalid audience.");
      }
      throw new InvalidTokenError("AKV10000: Invalid bearer token.");
    }
  }
}
