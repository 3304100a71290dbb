import type { ApiVersions } from "./api-version.js";
import type { AccessControl } from "../authz/access-control.js";
import type { DevClock } from "./dev-clock.js";
import type { TokenIssuer } from "../identity/token-issuer.js";
import type { TokenVerifier } from "../identity/token-verifier.js";
import type { PrincipalService } from "../identity/principal-service.js";
import type { CertificateAuthority } from "../crypto/x509/certificate-authority.js";
import type { CertificateService } from "../vault/certificate-service.js";
import type { CertificateContactsService } from "../vault/certificate-contacts-service.js";
import type { CertificateIssuerService } from "../vault/certificate-issuer-service.js";
import type { KeyService } from "../vault/key-service.js";
import type { SecretService } from "../vault/secret-service.js";
import type { VaultService } from "../vault/vault-service.js";
import type { OutcomeObserver } from "./request-outcome.js";
import type { VaultHosts } from "./vault-hosts.js";

/** Everything the HTTP layer needs, built by the composition root (or by a test). */
export interface AppContext {
  tenantId: string;
  /** The base URL of the token issuer as clients configure it (AZURE_AUTHORITY_HOST). */
  authorityUrl: string;
  /** The `iss` of the tokens this server issues and accepts. */
  issuerUrl: string;
  hosts: VaultHosts;
  apiVersions: ApiVersions;
  vaults: VaultService;
  secrets: SecretService;
  keys: KeyService;
  certificates: CertificateService;
  certificateIssuers: CertificateIssuerService;
  certificateContacts: CertificateContactsService;
  /** The deployment's own CA, which signs certificates of issuers of provider `Keyhold`. */
  certificateAuthority: CertificateAuthority;
  principals: PrincipalService;
  access: AccessControl;
  issuer: TokenIssuer;
  verifier: TokenVerifier;
  /** The URL clients use for a vault, as `vault show` prints it. */
  vaultUri: (name: string) => string;
  /** The time in epoch seconds for vault objects (dev mode's movable clock, else real time). */
  now: () => number;
  /** Dev mode only: the clock tests may move forward. */
  devClock: DevClock | null;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Open connections this process accepts. */
  maxConnections: number;
  logLevel: "silent" | "error" | "warn" | "info";
  /** Who is told of each finished request: the request log, metrics, the audit trail (request-outcome.ts). */
  requestObservers: OutcomeObserver[];
}
