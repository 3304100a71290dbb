import { X509Certificate, createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { CredentialKind, CredentialRecord, PrincipalKind, PrincipalRecord } from "../storage/records.js";
import type { StoreOps } from "../storage/store.js";
import { badParameter, notFound } from "../errors/key-vault-error.js";
import { AuthThrottle, AuthThrottled } from "./auth-throttle.js";
import { type AssertionCheck, verifyClientAssertion } from "./client-assertion.js";
import { type HashPool, HashPoolBusy, sharedHashPool } from "./hash-pool.js";
import {
  HINT_LENGTH,
  UNMATCHABLE_HASH,
  hashSecret,
  isSelfIdentifying,
  newSecret,
  newSelfIdentifyingSecret,
  secretHint,
} from "./secret-hash.js";

export interface NewServicePrincipal {
  principal: PrincipalRecord;
  clientSecret: string;
  credentialId: string;
}

export interface NewManagedIdentity {
  principal: PrincipalRecord;
  identityHeader: string;
  credentialId: string;
}

/** A principal proven by one of its credentials. */
export interface Authenticated {
  principal: PrincipalRecord;
  credentialId: string;
}

type PrincipalStore = Pick<
  StoreOps,
  | "createPrincipal"
  | "getPrincipal"
  | "listPrincipals"
  | "deletePrincipal"
  | "addCredential"
  | "getCredential"
  | "listCredentials"
  | "deleteCredential"
>;

/** A credential that matched, and when it expires (a remembered success must not outlive it). */
type Verified = { found: Authenticated; expiresAt: number | null } | null;

const RECENT_SECONDS = 300;
const RECENT_LIMIT = 10_000;

export interface PrincipalServiceOptions {
  /** Where presented secrets are checked (default: the process's shared hash pool). */
  hashPool?: HashPool;
  /** Limits on failed attempts (default: AuthThrottle's defaults, per instance). */
  throttle?: AuthThrottle;
}

const principalNotFound = (id: string) => notFound("PrincipalNotFound", `Principal '${id}' does not exist on this Keyhold server.`);

/**
 * Service principals (client id + client secrets or certificates) and managed identities (an identity header
 * of the form `<principal id>.<secret>`). Only slow salted hashes of secrets are stored; of certificates, the
 * certificate itself (public) and its SHA-256 thumbprint.
 */
export class PrincipalService {
  /**
   * Credentials that passed the slow hash recently, by HMAC(process key, kind, id, secret): the token endpoint
   * then answers a returning client without another scrypt. Entries live at most five minutes and never past
   * the credential's expiry, and count only while the credential still exists; a wrong secret always costs the
   * full hash.
   */
  readonly #recent = new Map<string, { found: Authenticated; until: number }>();
  readonly #recentKey = randomBytes(32);
  /**
   * Checks under way, by the same HMAC: the same secret for the same id sent again before the first check ends
   * (several processes starting at once with one credential) waits for that check instead of hashing again.
   */
  readonly #underWay = new Map<string, Promise<Verified>>();
  readonly #hashPool: HashPool | undefined;
  readonly #throttle: AuthThrottle;
  #hashChecks = 0;

  constructor(
    private readonly store: PrincipalStore,
    private readonly now: () => number,
    options: PrincipalServiceOptions = {},
  ) {
    this.#hashPool = options.hashPool;
    this.#throttle = options.throttle ?? new AuthThrottle();
  }

  get #pool(): HashPool {
    return this.#hashPool ?? sharedHashPool();
  }

  /** Stored hashes checked (one scrypt each) by this service's authentications so far: for tests. */
  get hashChecks(): number {
    return this.#hashChecks;
  }

  /** The failed-attempt limits in force (for tests and diagnostics). */
  get throttle(): AuthThrottle {
    return this.#throttle;
  }

  async createServicePrincipal(displayName: string, secretLifetimeSeconds: number | null = null): Promise<NewServicePrincipal> {
    const principal = await this.#create("servicePrincipal", displayName);
    const { secret, credential } = await this.addClientSecret(principal.id, secretLifetimeSeconds);
    return { principal, clientSecret: secret, credentialId: credential.id };
  }

  async createManagedIdentity(displayName: string): Promise<NewManagedIdentity> {
    const principal = await this.#create("managedIdentity", displayName);
    const secret = newSecret();
    const credential = await this.#addCredential(principal.id, "identityHeader", await hashSecret(secret), null, null);
    return { principal, identityHeader: `${principal.id}.${secret}`, credentialId: credential.id };
  }

  get(id: string): Promise<PrincipalRecord | undefined> {
    return this.store.getPrincipal(id);
  }

  async require(id: string, kind?: PrincipalKind): Promise<PrincipalRecord> {
    const principal = await this.store.getPrincipal(id);
    if (!principal || (kind && principal.kind !== kind)) throw principalNotFound(id);
    return principal;
  }

  list(): Promise<PrincipalRecord[]> {
    return this.store.listPrincipals();
  }

  /** Deletes the principal, its credentials and everything granted to it; its tokens stop working at once. */
  async delete(id: string): Promise<void> {
    if (!(await this.store.deletePrincipal(id))) throw principalNotFound(id);
  }

  /** One more client secret (rotation without downtime: add the new one, move clients, remove the old one). */
  async addClientSecret(principalId: string, lifetimeSeconds: number | null): Promise<{ secret: string; credential: CredentialRecord }> {
    await this.require(principalId, "servicePrincipal");
    if (lifetimeSeconds !== null && (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds <= 0)) {
      throw badParameter("A secret's lifetime must be a positive number of seconds.");
    }
    const expiresAt = lifetimeSeconds === null ? null : this.now() + lifetimeSeconds;
    // The secret starts with its credential id's first characters, so a check needs one hash (secret-hash.ts);
    // the id is chosen so that no other credential of this principal starts the same way.
    const taken = new Set((await this.store.listCredentials(principalId)).map((c) => c.id.slice(0, HINT_LENGTH)));
    let id = randomUUID();
    while (taken.has(id.slice(0, HINT_LENGTH))) id = randomUUID();
    const secret = newSelfIdentifyingSecret(id);
    return {
      secret,
      credential: await this.#addCredential(principalId, "clientSecret", await hashSecret(secret, true), null, expiresAt, id),
    };
  }

  /** A certificate credential (PEM, public part only): the client signs assertions with its private key. */
  async addCertificate(principalId: string, pem: string): Promise<CredentialRecord> {
    await this.require(principalId, "servicePrincipal");
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch {
      throw badParameter("The certificate is not a PEM or DER X.509 certificate.");
    }
    if (certificate.publicKey.asymmetricKeyType !== "rsa")
      throw badParameter("Client certificates must have an RSA key (as MSAL signs assertions with RS256 or PS256).");
    // Entra refuses keys under 2048 bits for certificate credentials; a 1024-bit modulus is within reach of factoring.
    const bits = certificate.publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw badParameter(`The certificate's RSA key has ${bits} bits: client certificates need at least 2048.`);
    const expiresAt = Math.floor(Date.parse(certificate.validTo) / 1000);
    if (expiresAt <= this.now()) throw badParameter("The certificate has expired.");
    const thumbprint = createHash("sha256").update(certificate.raw).digest("hex");
    return this.#addCredential(principalId, "certificate", thumbprint, certificate.toString(), expiresAt);
  }

  async removeCredential(principalId: string, credentialId: string): Promise<void> {
    if (!(await this.store.deleteCredential(principalId, credentialId))) {
      throw notFound("CredentialNotFound", `Principal '${principalId}' has no credential '${credentialId}'.`);
    }
  }

  async listCredentials(principalId: string): Promise<CredentialRecord[]> {
    await this.require(principalId);
    return this.store.listCredentials(principalId);
  }

  /** Whether a token issued for this principal and credential still stands (checked on every request). */
  async isCurrent(principalId: string, credentialId: string): Promise<boolean> {
    return (await this.store.getCredential(principalId, credentialId)) !== undefined;
  }

  /**
   * The service principal whose client secret this is, or null; the same work whatever fails: one scrypt, or
   * none when refused first. `address` is the caller's (the TCP peer); with it, failures also count per address.
   * Throws AuthThrottled (no hash computed) when the client id or the address has failed too often lately, or
   * when the hash pool's queue is full.
   */
  authenticateClient(clientId: string, clientSecret: string, address?: string): Promise<Authenticated | null> {
    return this.#authenticate(clientId, "servicePrincipal", "clientSecret", clientSecret, address);
  }

  /** The managed identity an App Service style `X-IDENTITY-HEADER` belongs to, or null; limits as authenticateClient. */
  authenticateIdentityHeader(header: string, address?: string): Promise<Authenticated | null> {
    const dot = header.indexOf(".");
    if (dot <= 0) return this.#authenticate("", "managedIdentity", "identityHeader", header, address);
    return this.#authenticate(header.slice(0, dot), "managedIdentity", "identityHeader", header.slice(dot + 1), address);
  }

  /** The service principal whose registered certificate signed this client assertion (RFC 7523 §3), or null. */
  async authenticateAssertion(clientId: string, assertion: string, check: AssertionCheck): Promise<Authenticated | null> {
    const principal = await this.store.getPrincipal(clientId);
    if (principal?.kind !== "servicePrincipal") return null;
    const now = this.now();
    const certificates = (await this.store.listCredentials(principal.id)).filter(
      (c) => c.kind === "certificate" && (c.expiresAt === null || c.expiresAt > now),
    );
    const credential = await verifyClientAssertion(assertion, principal.id, certificates, { ...check, now });
    return credential ? { principal, credentialId: credential.id } : null;
  }

  async #authenticate(
    id: string,
    kind: PrincipalKind,
    credentialKind: CredentialKind,
    secret: string,
    address: string | undefined,
  ): Promise<Authenticated | null> {
    const now = this.now();
    const recentId = createHmac("sha256", this.#recentKey).update(`${credentialKind}\0${id.toLowerCase()}\0${secret}`).digest("base64url");
    const recent = this.#recent.get(recentId);
    // Before the limits: a client that proved its secret lately costs no hash, so a flood of wrong secrets for
    // its id does not lock it out until its remembered success ends.
    if (recent && recent.until > now && (await this.isCurrent(recent.found.principal.id, recent.found.credentialId))) return recent.found;
    const same = this.#underWay.get(recentId);
    if (same) {
      // No hash of its own, but refused wherever a new attempt would be for too many failures.
      await this.#held(() => this.#throttle.check(id, address));
      return (await this.#unlessBusy(same))?.found ?? null;
    }
    // A full hash queue refuses at once, before the limits and the store reads: the answer would be the same.
    if (this.#pool.full) throw AuthThrottled.create("busy", 1);
    const admission = await this.#held(() => this.#throttle.admit(id, address));
    const check = this.#verify(id, kind, credentialKind, secret, now);
    this.#underWay.set(recentId, check);
    let verified: Verified;
    try {
      verified = await this.#unlessBusy(check);
    } catch (error) {
      admission.cancelled();
      throw error;
    } finally {
      this.#underWay.delete(recentId);
    }
    if (!verified) {
      admission.failed();
      return null;
    }
    admission.succeeded();
    if (this.#recent.size >= RECENT_LIMIT) this.#recent.delete(this.#recent.keys().next().value!);
    this.#recent.set(recentId, { found: verified.found, until: Math.min(now + RECENT_SECONDS, verified.expiresAt ?? Infinity) });
    return verified.found;
  }

  /** What `limit` returns; when it refuses, the refusal after the throttle's hold (see auth-throttle.ts). */
  async #held<T>(limit: () => T): Promise<T> {
    try {
      return limit();
    } catch (error) {
      if (error instanceof AuthThrottled && this.#throttle.limits.holdMs > 0) await sleep(this.#throttle.limits.holdMs);
      throw error;
    }
  }

  /** The check's answer; a hash pool with a full queue becomes the token endpoint's 429. */
  async #unlessBusy(check: Promise<Verified>): Promise<Verified> {
    try {
      return await check;
    } catch (error) {
      if (error instanceof HashPoolBusy) throw AuthThrottled.create("busy", 1);
      throw error;
    }
  }

  /**
   * One scrypt per attempt, whatever the client has: the credential a self-identifying secret names (by its hint);
   * for a secret without a hint, the principal's one credential of the older kind; and when neither exists (an
   * unknown client id, a hint that names nothing), a hash nothing matches, so a wrong secret costs the same in
   * every case. The one exception: a principal given several client secrets before secrets named their
   * credential has no way to tell which one a hint-less secret is for, so all its hint-less ones are checked
   * (they keep working; rotating them to new secrets ends the exception).
   */
  async #verify(id: string, kind: PrincipalKind, credentialKind: CredentialKind, secret: string, now: number): Promise<Verified> {
    const principal = id ? await this.store.getPrincipal(id) : undefined;
    const credentials =
      principal?.kind === kind
        ? (await this.store.listCredentials(principal.id)).filter(
            (c) => c.kind === credentialKind && (c.expiresAt === null || c.expiresAt > now),
          )
        : [];
    const hint = secretHint(secret);
    const candidates =
      hint === null
        ? credentials.filter((c) => !isSelfIdentifying(c.hash))
        : credentials.filter((c) => isSelfIdentifying(c.hash) && c.id.startsWith(hint)).slice(0, 1);
    const hashes = candidates.length > 0 ? candidates.map((c) => c.hash) : [UNMATCHABLE_HASH];
    const match = await this.#pool.verify(secret, hashes);
    this.#hashChecks += hashes.length;
    const credential = match >= 0 ? candidates[match] : undefined;
    return credential ? { found: { principal: principal!, credentialId: credential.id }, expiresAt: credential.expiresAt } : null;
  }

  async #create(kind: PrincipalKind, displayName: string): Promise<PrincipalRecord> {
    if (!displayName.trim() || displayName.length > 256) throw badParameter("A display name of 1 to 256 characters is required.");
    const principal: PrincipalRecord = { id: randomUUID(), kind, displayName, createdAt: this.now() };
    await this.store.createPrincipal(principal);
    return principal;
  }

  async #addCredential(
    principalId: string,
    kind: CredentialKind,
    hash: string,
    certificate: string | null,
    expiresAt: number | null,
    id: string = randomUUID(),
  ): Promise<CredentialRecord> {
    const credential: CredentialRecord = { id, principalId, kind, hash, certificate, createdAt: this.now(), expiresAt };
    await this.store.addCredential(credential);
    return credential;
  }
}
