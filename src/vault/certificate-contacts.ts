/** The people a vault emails about its certificates' lifetimes (Azure's Contacts); one list per vault. */
export interface CertificateContact {
  email: string | null;
  name: string | null;
  phone: string | null;
}
