import { randomUUID } from "node:crypto";
import { AccessControl, grantCreator } from "../authz/access-control.js";
import type { ServerConfig } from "../config/server-config.js";
import { DEFAULT_BODY_LIMIT, DEFAULT_MAX_CONNECTIONS } from "../config/server-config.js";
import { Envelope } from "../crypto/envelope.js";
import type { TokenKeyBackend } from "../crypto/key-backend.js";
import { KeyBackends } from "../crypto/key-backends.js";
import { SoftwareKeyBackend } from "../crypto/software-key-backend.js";
import { issuerUrl } from "../identity/issuer-url.js";
import { PrincipalService } from "../identity/principal-service.js";
import { loadSigningKey } from "../identity/signing-key.js";
import { loadMfaKey } from "../identity/mfa-key.js";
import { MfaService } from "../identity/mfa-service.js";
import { UserSignIn } from "../identity/sign-in/user-sign-in.js";
import { TokenIssuer } from "../identity/token-issuer.js";
import { TokenVerifier } from "../identity/token-verifier.js";
import type { Store } from "../storage/store.js";
import { KeyholdMetrics } from "./metrics/keyhold-metrics.js";
import { auditReadiness, storeReadiness } from "./readiness.js";
import { KeyService } from "../vault/key-service.js";
import { MasterKeyRotation } from "../vault/master-key-rotation.js";
import { CertificateService } from "../vault/certificate-service.js";
import { CertificateContactsService } from "../vault/certificate-contacts-service.js";
import { CertificateIssuerService } from "../vault/certificate-issuer-service.js";
import { loadCertificateAuthority } from "../vault/certificate-authority.js";
import { SecretService } from "../vault/secret-service.js";
import { VaultService } from "../vault/vault-service.js";
import { ApiVersions } from "./api-version.js";
import type { AppContext } from "./app-context.js";
import type { DevClock } from "./dev-clock.js";
import { VaultHosts } from "./vault-hosts.js";
import { DevFaults } from "./dev-faults.js";
import { RequestThrottle } from "./throttle/request-throttle.js";
import { throttleLimitsOf, type ThrottleSetting } from "../config/throttle-setting.js";
import { type LogDestination, createServerLogger } from "./server-logger.js";
import { requestLog } from "./request-log.js";
import { openAuditTrail } from "./audit/open-audit-trail.js";

export type ContextConfig = Pick<
  ServerConfig,
  "mode" | "masterKey" | "vaultDomains" | "defaultVault" | "authorityUrl" | "vaultUriTemplate" | "tokenLifetimeSeconds" | "logLevel"
> &
  Partial<
    Pick<
      ServerConfig,
      | "databaseUrl"
      | "serveNewerApiVersions"
      | "maxConnections"
      | "throttle"
      | "workers"
      | "previousMasterKeys"
      | "logFormat"
      | "audit"
      | "console"
    >
  >;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function throttleOf(setting: ThrottleSetting): RequestThrottle | null {
  const limits = throttleLimitsOf(setting);
  return limits && new RequestThrottle(limits);
}

/** Builds every service over an open store: the part of the composition root that tests share. */
export async function createContext(
  store: Store,
  config: ContextConfig,
  options: {
    now?: () => number;
    devClock?: DevClock;
    /** The HSM's token, opened by the caller (start-server.ts), when the deployment configures one. */
    tokenBackend?: TokenKeyBackend;
    onSoftwareHsmKey?: (vault: string, name: string) => void;
    onNewerApiVersion?: (requested: string, served: string) => void;
    /** Log lines go here instead of standard output (tests). */
    logDestination?: LogDestination;
  } = {},
): Promise<AppContext> {
  if (options.devClock && config.mode !== "dev") throw new Error("the movable clock exists in dev mode only");
  // Two clocks: identity (tokens, credentials) always keeps real time, which clients share; the vault's objects
  // (retention, rotation, nbf/exp) follow the dev clock when there is one.
  const realNow = options.now ?? nowSeconds;
  const now = options.devClock?.now ?? realNow;
  const logger = createServerLogger({
    level: config.logLevel,
    format: config.logFormat ?? "json",
    ...(options.logDestination && { destination: options.logDestination }),
  });
  const envelope = new Envelope(config.masterKey, config.previousMasterKeys ?? []);
  const tenantId = (await store.initMeta("tenant-id", Buffer.from(randomUUID()))).toString("utf8");
  const signingKey = await loadSigningKey(store, envelope);
  const mfaKey = await loadMfaKey(store, envelope);
  // Real time: the CA is the deployment's, made once; a dev clock moved forward would date it in the future.
  const certificateAuthority = await loadCertificateAuthority(store, envelope, realNow);
  const hosts = new VaultHosts(config.vaultDomains, config.defaultVault);
  const issuer = issuerUrl(config.authorityUrl, tenantId);
  // Dev servers on one database differ only in their port: a token from one is good at the others (they share
  // the signing key). A production cluster shares one authorityUrl, so there the issuer must match exactly.
  const devCluster = new RegExp(`^https://localhost:\\d+/${tenantId}/v2\\.0$`);
  const acceptIssuer =
    config.mode === "dev" && config.databaseUrl ? (iss: string) => devCluster.test(iss) : (iss: string) => iss === issuer;
  const secrets = new SecretService({ store, envelope, now });
  const keys = new KeyService({
    store,
    envelope,
    now,
    backends: new KeyBackends(new SoftwareKeyBackend(), options.tokenBackend ?? null),
    softwareHsm: config.mode === "dev",
    ...(options.onSoftwareHsmKey && { onSoftwareHsmKey: options.onSoftwareHsmKey }),
  });
  const certificateIssuers = new CertificateIssuerService({ store, envelope, now });
  const metrics = new KeyholdMetrics();
  store.reportTo(metrics.store);
  const audit = config.audit
    ? await openAuditTrail(config.audit, store, envelope, {
        databaseUrl: config.databaseUrl ?? null,
        onWrite: (ok) => metrics.auditWrite(ok),
        // Each checkpoint also goes to the server log, somewhere else than the trail (docs/audit.md).
        onCheckpoint: (checkpoint) => logger.info({ auditCheckpoint: checkpoint }, "audit checkpoint"),
      })
    : null;
  const principals = new PrincipalService(store, realNow);
  const tokenIssuer = new TokenIssuer(signingKey, { issuer, tenantId, lifetimeSeconds: config.tokenLifetimeSeconds, now: realNow });
  return {
    tenantId,
    authorityUrl: config.authorityUrl,
    issuerUrl: issuer,
    hosts,
    apiVersions: new ApiVersions({
      serveNewerAsLatest: config.mode === "dev" && config.serveNewerApiVersions === true,
      ...(options.onNewerApiVersion && { onNewerVersion: options.onNewerApiVersion }),
    }),
    vaults: new VaultService(store, now, grantCreator),
    secrets,
    keys,
    certificates: new CertificateService({
      store,
      envelope,
      now,
      keys,
      secrets,
      issuerProvider: (vault, name) => certificateIssuers.providerOf(vault, name),
      authority: certificateAuthority,
    }),
    certificateIssuers,
    certificateContacts: new CertificateContactsService({ store, envelope }),
    certificateAuthority,
    principals,
    signIn: new UserSignIn(store, principals, tokenIssuer, tenantId, {
      now: realNow,
      mfa: new MfaService(store, principals, mfaKey, realNow),
    }),
    masterKeyRotation: new MasterKeyRotation(store, envelope, realNow),
    access: new AccessControl(store, realNow),
    issuer: tokenIssuer,
    verifier: new TokenVerifier(signingKey, { acceptIssuer, tenantId, audiences: hosts.resources, leewaySeconds: 60, now: realNow }),
    vaultUri: (name) => config.vaultUriTemplate.replace("{name}", name.toLowerCase()),
    now,
    devClock: options.devClock ?? null,
    // Faults live in one process's memory: with several workers, the one a fault is added to may not be the one
    // that gets the request it is for.
    devFaults: config.mode === "dev" && (config.workers ?? 1) === 1 ? new DevFaults() : null,
    throttle: throttleOf(config.throttle ?? "off"),
    console: config.console ?? true,
    bodyLimit: DEFAULT_BODY_LIMIT,
    maxConnections: config.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    logger,
    requestObservers: [requestLog(logger), metrics.observeRequest],
    metrics,
    audit,
    readinessChecks: [storeReadiness(store), ...(audit ? [auditReadiness(audit)] : [])],
  };
}
