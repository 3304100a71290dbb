import type { Logger } from "pino";
import type { ApiVersions } from "./api-version.js";
import type { AccessControl } from "../authz/access-control.js";
import type { DevClock } from "./dev-clock.js";
import type { TokenIssuer } from "../identity/token-issuer.js";
import type { TokenVerifier } from "../identity/token-verifier.js";
import type { PrincipalService } from "../identity/principal-service.js";
import type { UserSignIn } from "../identity/sign-in/user-sign-in.js";
import type { CertificateAuthority } from "../crypto/x509/certificate-authority.js";
import type { CertificateService } from "../vault/certificate-service.js";
import type { CertificateContactsService } from "../vault/certificate-contacts-service.js";
import type { CertificateIssuerService } from "../vault/certificate-issuer-service.js";
import type { KeyService } from "../vault/key-service.js";
import type { MasterKeyRotation } from "../vault/master-key-rotation.js";
import type { SecretService } from "../vault/secret-service.js";
import type { VaultService } from "../vault/vault-service.js";
import type { OutcomeObserver } from "./request-outcome.js";
import type { AuditTrail } from "./audit/audit-trail.js";
import type { KeyholdMetrics } from "./metrics/keyhold-metrics.js";
import type { ReadinessCheck } from "./readiness.js";
import type { VaultHosts } from "./vault-hosts.js";
import type { DevFaults } from "./dev-faults.js";
import type { RequestThrottle } from "./throttle/request-throttle.js";

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
  /** Users' sign-in at the authority: sessions, codes, device codes, refresh tokens (docs/user-sign-in.md). */
  signIn: UserSignIn;
  /** Re-wraps every record under the current master key (docs/master-key.md). */
  masterKeyRotation: MasterKeyRotation;
  access: AccessControl;
  issuer: TokenIssuer;
  verifier: TokenVerifier;
  /** The URL clients use for a vault, as `vault show` prints it. */
  vaultUri: (name: string) => string;
  /** The time in epoch seconds for vault objects (dev mode's movable clock, else real time). */
  now: () => number;
  /** Dev mode only: the clock tests may move forward. */
  devClock: DevClock | null;
  /** Dev mode only (one serving process): faults injected into data-plane requests (`/keyhold/dev/faults`). */
  devFaults: DevFaults | null;
  /** Data-plane limits per vault, per caller and per server, or null when throttling is off. */
  throttle: RequestThrottle | null;
  /** Whether the web console is served at `/`, and the vault hosts answer its cross-origin calls (docs/console.md). */
  console: boolean;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Open connections this process accepts. */
  maxConnections: number;
  /** This process's logger: fastify's, the request log's, start-up and shutdown's (server-logger.ts). */
  logger: Logger;
  /** Who is told of each finished request: the request log, metrics, the audit trail (request-outcome.ts). */
  requestObservers: OutcomeObserver[];
  /** This process's metrics (`/metrics`); the audit trail reports its writes with `metrics.auditWrite`. */
  metrics: KeyholdMetrics;
  /** What `/readyz` asks: the store's round trip; the audit trail adds its sink's (readiness.ts). */
  readinessChecks: ReadinessCheck[];
  /** The audit trail (docs/audit.md), or null when it is off. */
  audit: AuditTrail | null;
}
