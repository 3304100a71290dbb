import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { CredentialRecord, PrincipalKind, PrincipalRecord } from "../storage/records.js";
import type { StoreOps } from "../storage/store.js";
import { hashSecret, newSecret, verifySecret } from "./secret-hash.js";

export interface NewServicePrincipal {
  principal: PrincipalRecord;
  clientSecret: string;
}

export interface NewManagedIdentity {
  principal: PrincipalRecord;
  identityHeader: string;
}

type PrincipalStore = Pick<StoreOps, "createPrincipal" | "getPrincipal" | "listPrincipals" | "deletePrincipal" | "addCredential" | "listCredentials">;

const RECENT_SECONDS = 300;
const RECENT_LIMIT = 10_000;

/** A hash of a random value, checked when the caller is unknown so that the answer takes as long. */
let decoyHash: Promise<string> | undefined;
const decoy = (): Promise<string> => (decoyHash ??= hashSecret(newSecret()));

/**
 * Service principals (client id + client secret) and managed identities (an identity header of the form
 * `<principal id>.<secret>`). Only slow salted hashes of the secrets are stored.
 */
export class PrincipalService {
  /**
   * Credentials that passed the slow hash recently, by HMAC(process key, kind, id, secret): the token endpoint
   * then answers a returning client without another scrypt. Entries live at most five minutes and never past
   * the credential's expiry; a wrong secret always costs the full hash.
   */
  readonly #recent = new Map<string, { principal: PrincipalRecord; until: number }>();
  readonly #recentKey = randomBytes(32);

  constructor(
    private readonly store: PrincipalStore,
    private readonly now: () => number,
  ) {}

  async createServicePrincipal(displayName: string, secretLifetimeSeconds: number | null = null): Promise<NewServicePrincipal> {
    const principal = await this.#create("servicePrincipal", displayName);
    const clientSecret = newSecret();
    await this.#addCredential(principal.id, "clientSecret", clientSecret, secretLifetimeSeconds);
    return { principal, clientSecret };
  }

  async createManagedIdentity(displayName: string): Promise<NewManagedIdentity> {
    const principal = await this.#create("managedIdentity", displayName);
    const secret = newSecret();
    await this.#addCredential(principal.id, "identityHeader", secret, null);
    return { principal, identityHeader: `${principal.id}.${secret}` };
  }

  get(id: string): Promise<PrincipalRecord | undefined> {
    return this.store.getPrincipal(id);
  }

  list(): Promise<PrincipalRecord[]> {
    return this.store.listPrincipals();
  }

  /** The service principal whose client secret this is, or null; the same work whatever fails. */
  authenticateClient(clientId: string, clientSecret: string): Promise<PrincipalRecord | null> {
    return this.#authenticate(clientId, "servicePrincipal", "clientSecret", clientSecret);
  }

  /** The managed identity an App Service style `X-IDENTITY-HEADER` belongs to, or null. */
  authenticateIdentityHeader(header: string): Promise<PrincipalRecord | null> {
    const dot = header.indexOf(".");
    if (dot <= 0) return this.#authenticate("", "managedIdentity", "identityHeader", header);
    return this.#authenticate(header.slice(0, dot), "managedIdentity", "identityHeader", header.slice(dot + 1));
  }

  async #authenticate(
    id: string,
    kind: PrincipalKind,
    credentialKind: CredentialRecord["kind"],
    secret: string,
  ): Promise<PrincipalRecord | null> {
    const now = this.now();
    const recentId = createHmac("sha256", this.#recentKey).update(`${credentialKind}\0${id.toLowerCase()}\0${secret}`).digest("base64url");
    const recent = this.#recent.get(recentId);
    if (recent && recent.until > now) return recent.principal;
    const principal = await this.#verify(id, kind, credentialKind, secret, now);
    if (principal) {
      if (this.#recent.size >= RECENT_LIMIT) this.#recent.delete(this.#recent.keys().next().value!);
      this.#recent.set(recentId, { principal: principal.principal, until: Math.min(now + RECENT_SECONDS, principal.expiresAt ?? Infinity) });
    }
    return principal?.principal ?? null;
  }

  async #verify(
    id: string,
    kind: PrincipalKind,
    credentialKind: CredentialRecord["kind"],
    secret: string,
    now: number,
  ): Promise<{ principal: PrincipalRecord; expiresAt: number | null } | null> {
    const principal = id ? await this.store.getPrincipal(id) : undefined;
    const credentials =
      principal?.kind === kind
        ? (await this.store.listCredentials(principal.id)).filter(
            (c) => c.kind === credentialKind && (c.expiresAt === null || c.expiresAt > now),
          )
        : [];
    if (credentials.length === 0) {
      await verifySecret(secret, await decoy());
      return null;
    }
    for (const credential of credentials) {
      if (await verifySecret(secret, credential.hash)) return { principal: principal!, expiresAt: credential.expiresAt };
    }
    return null;
  }

  async #create(kind: PrincipalKind, displayName: string): Promise<PrincipalRecord> {
    const principal: PrincipalRecord = { id: randomUUID(), kind, displayName, createdAt: this.now() };
    await this.store.createPrincipal(principal);
    return principal;
  }

  async #addCredential(principalId: string, kind: CredentialRecord["kind"], secret: string, lifetime: number | null): Promise<void> {
    const createdAt = this.now();
    await this.store.addCredential({
      id: randomUUID(),
      principalId,
      kind,
      hash: await hashSecret(secret),
      createdAt,
      expiresAt: lifetime === null ? null : createdAt + lifetime,
    });
  }
}
