import { X509Certificate, createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import type { CredentialKind, CredentialRecord, PrincipalKind, PrincipalRecord } from "../storage/records.js";
import type { StoreOps } from "../storage/store.js";
import { badParameter, notFound } from "../vault/errors.js";
import { type AssertionCheck, verifyClientAssertion } from "./client-assertion.js";
import { hashSecret, newSecret, verifySecret } from "./secret-hash.js";

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
  "createPrincipal" | "getPrincipal" | "listPrincipals" | "deletePrincipal" | "addCredential" | "getCredential" | "listCredentials" | "deleteCredential"
>;

const RECENT_SECONDS = 300;
const RECENT_LIMIT = 10_000;

/** A hash of a random value, checked when the caller is unknown so that the answer takes as long. */
let decoyHash: Promise<string> | undefined;
const decoy = (): Promise<string> => (decoyHash ??= hashSecret(newSecret()));

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

  constructor(
    private readonly store: PrincipalStore,
    private readonly now: () => number,
  ) {}

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
    const secret = newSecret();
    const expiresAt = lifetimeSeconds === null ? null : this.now() + lifetimeSeconds;
    return { secret, credential: await this.#addCredential(principalId, "clientSecret", await hashSecret(secret), null, expiresAt) };
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
    if (certificate.publicKey.asymmetricKeyType !== "rsa") throw badParameter("Client certificates must have an RSA key (as MSAL signs assertions with RS256 or PS256).");
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

  /** The service principal whose client secret this is, or null; the same work whatever fails. */
  authenticateClient(clientId: string, clientSecret: string): Promise<Authenticated | null> {
    return this.#authenticate(clientId, "servicePrincipal", "clientSecret", clientSecret);
  }

  /** The managed identity an App Service style `X-IDENTITY-HEADER` belongs to, or null. */
  authenticateIdentityHeader(header: string): Promise<Authenticated | null> {
    const dot = header.indexOf(".");
    if (dot <= 0) return this.#authenticate("", "managedIdentity", "identityHeader", header);
    return this.#authenticate(header.slice(0, dot), "managedIdentity", "identityHeader", header.slice(dot + 1));
  }

  /** The service principal whose registered certificate signed this client assertion (RFC 7523 §3), or null. */
  async authenticateAssertion(clientId: string, assertion: string, check: AssertionCheck): Promise<Authenticated | null> {
    const principal = await this.store.getPrincipal(clientId);
    if (principal?.kind !== "servicePrincipal") return null;
    const now = this.now();
    const certificates = (await this.store.listCredentials(principal.id)).filter((c) => c.kind === "certificate" && (c.expiresAt === null || c.expiresAt > now));
    const credential = await verifyClientAssertion(assertion, principal.id, certificates, { ...check, now });
    return credential ? { principal, credentialId: credential.id } : null;
  }

  async #authenticate(id: string, kind: PrincipalKind, credentialKind: CredentialKind, secret: string): Promise<Authenticated | null> {
    const now = this.now();
    const recentId = createHmac("sha256", this.#recentKey).update(`${credentialKind}\0${id.toLowerCase()}\0${secret}`).digest("base64url");
    const recent = this.#recent.get(recentId);
    if (recent && recent.until > now && (await this.isCurrent(recent.found.principal.id, recent.found.credentialId))) return recent.found;
    const verified = await this.#verify(id, kind, credentialKind, secret, now);
    if (verified) {
      if (this.#recent.size >= RECENT_LIMIT) this.#recent.delete(this.#recent.keys().next().value!);
      this.#recent.set(recentId, { found: verified.found, until: Math.min(now + RECENT_SECONDS, verified.expiresAt ?? Infinity) });
    }
    return verified?.found ?? null;
  }

  async #verify(
    id: string,
    kind: PrincipalKind,
    credentialKind: CredentialKind,
    secret: string,
    now: number,
  ): Promise<{ found: Authenticated; expiresAt: number | null } | null> {
    const principal = id ? await this.store.getPrincipal(id) : undefined;
    const credentials =
      principal?.kind === kind
        ? (await this.store.listCredentials(principal.id)).filter((c) => c.kind === credentialKind && (c.expiresAt === null || c.expiresAt > now))
        : [];
    if (credentials.length === 0) {
      await verifySecret(secret, await decoy());
      return null;
    }
    for (const credential of credentials) {
      if (await verifySecret(secret, credential.hash)) return { found: { principal: principal!, credentialId: credential.id }, expiresAt: credential.expiresAt };
    }
    return null;
  }

  async #create(kind: PrincipalKind, displayName: string): Promise<PrincipalRecord> {
    if (!displayName.trim() || displayName.length > 256) throw badParameter("A display name of 1 to 256 characters is required.");
    const principal: PrincipalRecord = { id: randomUUID(), kind, displayName, createdAt: this.now() };
    await this.store.createPrincipal(principal);
    return principal;
  }

  async #addCredential(principalId: string, kind: CredentialKind, hash: string, certificate: string | null, expiresAt: number | null): Promise<CredentialRecord> {
    const credential: CredentialRecord = { id: randomUUID(), principalId, kind, hash, certificate, createdAt: this.now(), expiresAt };
    await this.store.addCredential(credential);
    return credential;
  }
}
