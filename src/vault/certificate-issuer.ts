/**
 * A certificate issuer registered in a vault (Azure's IssuerBundle): a provider name, the account credentials the
 * provider needs, and the organisation's administrators. The password is kept, never returned.
 */
export interface AdministratorDetails {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
}

export interface CertificateIssuer {
  provider: string;
  /** As stored, with the password; in what the service answers the password is always null. */
  credentials: { accountId: string | null; password: string | null } | null;
  organization: { id: string | null; admins: AdministratorDetails[] } | null;
  enabled: boolean;
  created: number;
  updated: number;
}

/** An issuer as the service answers it: under its name as first written, without its password. */
export interface CertificateIssuerView extends CertificateIssuer {
  name: string;
}

/** An issuer as a create (provider required) or update (everything optional) request gives it. */
export interface CertificateIssuerInput {
  provider?: string;
  credentials?: { accountId?: string; password?: string };
  organization?: { id?: string; admins?: AdministratorDetails[] };
  enabled?: boolean;
}
