import type { Envelope } from "../crypto/envelope.js";
import { badParameter, notFound } from "../errors/key-vault-error.js";
import type { Page, VaultRecord } from "../storage/records.js";
import type { Store } from "../storage/store.js";
import type { CertificateIssuer, CertificateIssuerInput, CertificateIssuerView } from "./certificate-issuer.js";
import { SealedVaultEntries } from "./sealed-vault-entries.js";

export interface CertificateIssuerServiceDeps {
  store: Store;
  envelope: Envelope;
  now: () => number;
}

/** Issuer names follow Key Vault's rule for object names. */
const ISSUER_NAME = /^[0-9a-zA-Z-]{1,127}$/;

/** Azure's answer for an issuer the vault does not have, in its words. */
const issuerNotFound = () => notFound("CertificateIssuerNotFound", "Issuer not found");

function checkName(name: string): void {
  if (!ISSUER_NAME.test(name)) {
    throw badParameter(
      "The request URI contains an invalid name: issuer names may only contain alphanumeric characters and dashes " +
        "and be 1-127 characters long.",
    );
  }
}

function checkProvider(provider: string | undefined): string {
  if (provider === undefined || provider.trim() === "") throw badParameter("The parameter 'provider' is required.");
  return provider;
}

/** Credentials or organisation details with nothing in them (the SDK sends `credentials: {}` on every create) are none. */
function withoutEmptyParts(issuer: CertificateIssuer): CertificateIssuer {
  const { credentials, organization } = issuer;
  return {
    ...issuer,
    credentials: credentials && (credentials.accountId !== null || credentials.password !== null) ? credentials : null,
    organization: organization && (organization.id !== null || organization.admins.length > 0) ? organization : null,
  };
}

/** The issuer as answered: never its password, which stays sealed in the store for the provider's use. */
function view(name: string, issuer: CertificateIssuer): CertificateIssuerView {
  return { ...issuer, name, credentials: issuer.credentials && { accountId: issuer.credentials.accountId, password: null } };
}

/**
 * A vault's certificate issuers (Azure's SetCertificateIssuer, UpdateCertificateIssuer, …): each a provider with the
 * account and organisation it needs, sealed at rest as a whole. Registering one issues nothing: which providers
 * Keyhold can reach is the certificate service's business, which asks `providerOf` for the issuer a policy names.
 */
export class CertificateIssuerService {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #issuers: SealedVaultEntries<CertificateIssuer>;

  constructor(deps: CertificateIssuerServiceDeps) {
    this.#store = deps.store;
    this.#now = deps.now;
    this.#issuers = new SealedVaultEntries(deps.envelope, "certificate-issuer");
  }

  /** Creates or replaces the issuer (PUT); a replaced issuer keeps its creation date. */
  set(vault: VaultRecord, name: string, input: CertificateIssuerInput): Promise<CertificateIssuerView> {
    checkName(name);
    const provider = checkProvider(input.provider);
    return this.#store.transaction(async (tx) => {
      const now = this.#now();
      const existing = await this.#issuers.get(tx, vault, name);
      const issuer = withoutEmptyParts({
        provider,
        credentials: { accountId: input.credentials?.accountId ?? null, password: input.credentials?.password ?? null },
        organization: { id: input.organization?.id ?? null, admins: input.organization?.admins ?? [] },
        enabled: input.enabled ?? true,
        created: existing?.value.created ?? now,
        updated: now,
      });
      return view(await this.#issuers.put(tx, vault, name, issuer), issuer);
    });
  }

  /** Changes the fields given (PATCH); the administrators' list is replaced whole. */
  update(vault: VaultRecord, name: string, patch: CertificateIssuerInput): Promise<CertificateIssuerView> {
    checkName(name);
    if (patch.provider !== undefined) checkProvider(patch.provider);
    return this.#store.transaction(async (tx) => {
      const existing = await this.#issuers.get(tx, vault, name);
      if (!existing) throw issuerNotFound();
      const current = existing.value;
      const issuer = withoutEmptyParts({
        provider: patch.provider ?? current.provider,
        credentials: {
          accountId: patch.credentials?.accountId ?? current.credentials?.accountId ?? null,
          password: patch.credentials?.password ?? current.credentials?.password ?? null,
        },
        organization: {
          id: patch.organization?.id ?? current.organization?.id ?? null,
          admins: patch.organization?.admins ?? current.organization?.admins ?? [],
        },
        enabled: patch.enabled ?? current.enabled,
        created: current.created,
        updated: this.#now(),
      });
      return view(await this.#issuers.put(tx, vault, existing.name, issuer), issuer);
    });
  }

  async get(vault: VaultRecord, name: string): Promise<CertificateIssuerView> {
    checkName(name);
    const found = await this.#issuers.get(this.#store, vault, name);
    if (!found) throw issuerNotFound();
    return view(found.name, found.value);
  }

  /** The provider of the issuer a policy names, or null when the vault has no issuer of that name. */
  async providerOf(vault: VaultRecord, name: string): Promise<string | null> {
    if (!ISSUER_NAME.test(name)) return null;
    return (await this.#issuers.get(this.#store, vault, name))?.value.provider ?? null;
  }

  /** Removes the issuer for good (issuers have no soft delete) and answers it as it was. */
  delete(vault: VaultRecord, name: string): Promise<CertificateIssuerView> {
    checkName(name);
    return this.#store.transaction(async (tx) => {
      const found = await this.#issuers.get(tx, vault, name);
      if (!found) throw issuerNotFound();
      await this.#issuers.delete(tx, vault, name);
      return view(found.name, found.value);
    });
  }

  async list(vault: VaultRecord, after: string | null, limit: number): Promise<Page<CertificateIssuerView>> {
    const page = await this.#issuers.list(this.#store, vault, after, limit);
    return { items: page.items.map((e) => view(e.name, e.value)), next: page.next };
  }
}
