import { BUILT_IN_PUBLIC_CLIENT_ID } from "./sign-in/public-clients.js";
import { X509Certificate, createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { CredentialKind, CredentialRecord, PrincipalKind, PrincipalRecord } from "../storage/records.js";
import type { Store } from "../storage/store.js";
import { UserNameTakenError } from "../storage/user-name-taken.js";
import { badParameter, conflict, notFound } from "../errors/key-vault-error.js";
import { AuthThrottle, AuthThrottled } from "./auth-throttle.js";
import { type AssertionCheck, verifyClientAssertion } from "./client-assertion.js";
import { type HashPool, HashPoolBusy, sharedHashPool } from "./hash-pool.js";
import { UNMATCHABLE_PASSWORD_HASH, hashPassword, normalisedPassword } from "./password-hash.js";
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

export interface NewUser {
  /** The sign-in name, local@domain (an email address or UPN); compared without regard to case. */
  userName: string;
  /** Shown in lists and the console; the user name when absent. */
  displayName?: string;
  password: string;
}

type PrincipalStore = Pick<
  Store,
  | "transaction"
  | "createPrincipal"
  | "getPrincipal"
  | "getUserByName"
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

const userNameTaken = (userName: string) => conflict(`A user named '${userName}' already exists.`);
const principalNotFound = (id: string) => notFound("PrincipalNotFound", `Principal '${id}' does not exist on this Keyhold server.`);

/**
 * local@domain in printable ASCII without spaces, as Entra's user principal names: ASCII keeps the case-insensitive
 * comparison the same in every store (SQLite's NOCASE folds ASCII only).
 */
const USER_NAME = /^[!-?A-~]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

function checkedUserName(userName: string): string {
  if (userName.length < 3 || userName.length > 256 || !USER_NAME.test(userName)) {
    throw badParameter("A user name must be 3 to 256 characters of the form local@domain, in ASCII, without spaces.");
  }
  return userName;
}

function checkedDisplayName(displayName: string): string {
  if (!displayName.trim() || displayName.length > 256) throw badParameter("A display name of 1 to 256 characters is required.");
  return displayName;
}

/**
 * Service principals (client id + client secrets or certificates), managed identities (an identity header of the
 * form `<principal id>.<secret>`) and users (a user name + a password). Only slow salted hashes of secrets and
 * passwords are stored; of certificates, the certificate itself (public) and its SHA-256 thumbprint.
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

  /**
   * A public client registration: its id is a client id user flows accept beside the built-in one. It has no
   * credential and gets no token of its own.
   */
  createPublicClient(displayName: string): Promise<PrincipalRecord> {
    return this.#create("publicClient", displayName);
  }

  /** Whether user flows accept this client id: Keyhold's built-in public client, or a registered one. */
  async isPublicClient(clientId: string | undefined): Promise<boolean> {
    if (!clientId) return false;
    if (clientId.toLowerCase() === BUILT_IN_PUBLIC_CLIENT_ID) return true;
    return (await this.store.getPrincipal(clientId))?.kind === "publicClient";
  }

  /** A user with one password; 409 Conflict when another user has the same name in any case. */
  async createUser(input: NewUser): Promise<PrincipalRecord> {
    const userName = checkedUserName(input.userName);
    const displayName = checkedDisplayName(input.displayName ?? userName);
    // Checked before the slow hash, to answer at once; the store's unique index decides a race.
    if (await this.store.getUserByName(userName)) throw userNameTaken(userName);
    const hash = await hashPassword(input.password);
    const principal: PrincipalRecord = { id: randomUUID(), kind: "user", displayName, userName, createdAt: this.now() };
    const credential = this.#credential(principal.id, "password", hash);
    try {
      await this.store.transaction(async (tx) => {
        await tx.createPrincipal(principal);
        await tx.addCredential(credential);
      });
    } catch (error) {
      throw error instanceof UserNameTakenError ? userNameTaken(userName) : error;
    }
    return principal;
  }

  /** Replaces the user's password: the old one stops working at once, tokens issued with it too. */
  async setUserPassword(principalId: string, password: string): Promise<void> {
    const user = await this.require(principalId);
    if (user.kind !== "user") throw badParameter(`Principal '${principalId}' is not a user: only users have passwords.`);
    const credential = this.#credential(user.id, "password", await hashPassword(password));
    await this.store.transaction(async (tx) => {
      if (!(await tx.getPrincipal(user.id))) throw principalNotFound(principalId);
      const old = (await tx.listCredentials(user.id)).filter((c) => c.kind === "password");
      await tx.addCredential(credential);
      for (const c of old) await tx.deleteCredential(user.id, c.id);
    });
  }

  /** The user with this user name (in any case) or object id; null for none, or for a principal that is no user. */
  async findUser(nameOrId: string): Promise<PrincipalRecord | null> {
    const byName = await this.store.getUserByName(nameOrId);
    if (byName) return byName;
    const byId = await this.store.getPrincipal(nameOrId);
    return byId?.kind === "user" ? byId : null;
  }

  /**
   * The user this user name and password belong to, or null: a wrong password and an unknown user cost the same
   * (one scrypt at the password cost, against a hash nothing matches when there is no user). Limits as
   * authenticateClient, with the user name in place of the client id: throws AuthThrottled without hashing.
   */
  authenticateUser(userName: string, password: string, address?: string): Promise<Authenticated | null> {
    const presented = normalisedPassword(password);
    return this.#authenticate(userName, "password", presented, address, () => this.#verifyPassword(userName, presented));
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
    return this.#authenticateSecret(clientId, "servicePrincipal", "clientSecret", clientSecret, address);
  }

  /** The managed identity an App Service style `X-IDENTITY-HEADER` belongs to, or null; limits as authenticateClient. */
  authenticateIdentityHeader(header: string, address?: string): Promise<Authenticated | null> {
    const dot = header.indexOf(".");
    if (dot <= 0) return this.#authenticateSecret("", "managedIdentity", "identityHeader", header, address);
    return this.#authenticateSecret(header.slice(0, dot), "managedIdentity", "identityHeader", header.slice(dot + 1), address);
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

  #authenticateSecret(
    id: string,
    kind: PrincipalKind,
    credentialKind: CredentialKind,
    secret: string,
    address: string | undefined,
  ): Promise<Authenticated | null> {
    return this.#authenticate(id, credentialKind, secret, address, (now) => this.#verify(id, kind, credentialKind, secret, now));
  }

  /**
   * The limits, the memory of recent successes and the sharing of checks under way, around `verify` (one slow
   * hash); `id` (a client id or user name) is what the per-client limit counts.
   */
  async #authenticate(
    id: string,
    credentialKind: CredentialKind,
    secret: string,
    address: string | undefined,
    verify: (now: number) => Promise<Verified>,
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
    const check = verify(now);
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

  /**
   * One scrypt at the password cost whatever the user name names: the user's password hash, or a hash nothing
   * matches when there is no such user (or it has no password).
   */
  async #verifyPassword(userName: string, password: string): Promise<Verified> {
    const user = await this.store.getUserByName(userName);
    const credential = user ? (await this.store.listCredentials(user.id)).filter((c) => c.kind === "password").at(-1) : undefined;
    const match = await this.#pool.verify(password, [credential?.hash ?? UNMATCHABLE_PASSWORD_HASH]);
    this.#hashChecks += 1;
    return match === 0 && user && credential ? { found: { principal: user, credentialId: credential.id }, expiresAt: null } : null;
  }

  async #create(kind: PrincipalKind, displayName: string): Promise<PrincipalRecord> {
    const principal: PrincipalRecord = {
      id: randomUUID(),
      kind,
      displayName: checkedDisplayName(displayName),
      userName: null,
      createdAt: this.now(),
    };
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
    const credential = this.#credential(principalId, kind, hash, certificate, expiresAt, id);
    await this.store.addCredential(credential);
    return credential;
  }

  #credential(
    principalId: string,
    kind: CredentialKind,
    hash: string,
    certificate: string | null = null,
    expiresAt: number | null = null,
    id: string = randomUUID(),
  ): CredentialRecord {
    return { id, principalId, kind, hash, certificate, createdAt: this.now(), expiresAt };
  }
}
