import type { CliError } from "./cli-error.js";

/**
 * What to try next: the second half of the CLI's one error line. The hint is chosen by what happened — the code,
 * Azure's inner code and the message — not by the code alone: a 403 `Forbidden` is a missing permission, but also
 * a disabled secret, an operation missing from a key's key_ops, purge protection or an -HSM key in a standard
 * vault, and each needs something else done.
 */
interface HintRule {
  code: string;
  innerCode?: string;
  message?: RegExp;
  /** HELP stands for the failed command's help command. */
  hint: string;
}

const TLS_TRUST =
  "trust the CA that signed the server's certificate: export NODE_EXTRA_CA_CERTS=CA.pem (a dev server's is DATA-DIR/ca.pem, " +
  "by default .keyhold/ca.pem), or `keyhold login --ca CA.pem` to keep it with the login";

/** The first rule that matches wins, so the specific rules of a code come before its general one. */
const RULES: readonly HintRule[] = [
  {
    code: "Forbidden",
    innerCode: "SecretDisabled",
    hint: "the secret version is disabled: `keyhold secret update --vault-name V -n NAME --enabled true` enables it",
  },
  {
    code: "Forbidden",
    innerCode: "KeyDisabled",
    hint: "the key version is disabled: `keyhold key update --vault-name V -n NAME --enabled true` enables it",
  },
  {
    code: "Forbidden",
    innerCode: "KeyOperationForbidden",
    hint:
      "the key's permitted operations do not include it: " +
      "`keyhold key show --vault-name V -n NAME --query key.key_ops` lists them, `keyhold key update … --ops …` sets them",
  },
  {
    code: "Forbidden",
    innerCode: "KeyExpired",
    hint: "the key version has expired: `keyhold key rotate` makes a new version, `keyhold key update … --expires` moves the date",
  },
  {
    code: "Forbidden",
    innerCode: "KeyNotYetValid",
    hint: "the key version's not-before date is still ahead: wait for it, or `keyhold key update … --not-before` moves it",
  },
  {
    code: "Forbidden",
    innerCode: "KeyNotExportable",
    hint: "Keyhold has no secure key release: keep using the key through its operations (encrypt, sign, wrap…)",
  },
  {
    code: "Forbidden",
    message: /purge protection/i,
    hint:
      "the vault is purge-protected: a deleted object can be recovered (`keyhold secret recover`, `keyhold key recover`) " +
      "and is purged automatically after the retention period",
  },
  {
    code: "Forbidden",
    message: /Hardware key operation not allowed on standard vault/,
    hint: "-HSM key types need a premium vault: `keyhold vault update --name V --sku premium`, or use RSA, EC or oct",
  },
  {
    code: "Forbidden",
    innerCode: "ForbiddenByPolicy",
    message: / certificates \w+ permission /,
    hint:
      "the vault uses access policies and yours lacks this permission: an administrator can grant it " +
      "(`keyhold policy set --vault-name V --spn ID --certificate-permissions …`)",
  },
  {
    code: "Forbidden",
    innerCode: "ForbiddenByPolicy",
    hint:
      "the vault uses access policies and yours lacks this permission: an administrator can grant it " +
      "(`keyhold policy set --vault-name V --spn ID --secret-permissions …`)",
  },
  {
    code: "Forbidden",
    innerCode: "ForbiddenByRbac",
    message: /server scope/,
    hint:
      "this needs a server administrator: one can assign you a role at '/' " +
      '(`keyhold role assignment create --role "Keyhold Administrator" --assignee ID --scope /`)',
  },
  {
    code: "Forbidden",
    innerCode: "ForbiddenByRbac",
    message: /\/certificates\//,
    hint:
      "no role of yours grants this here: an administrator can assign one " +
      "(`keyhold role assignment create --role 'Key Vault Certificates Officer' --assignee ID --scope /vaults/V`)",
  },
  {
    code: "Forbidden",
    innerCode: "ForbiddenByRbac",
    hint:
      "no role of yours grants this here: an administrator can assign one " +
      "(`keyhold role assignment create --role R --assignee ID --scope /vaults/V`)",
  },
  {
    code: "MethodNotAllowed",
    hint: "the vault is purge-protected: recover it (`keyhold vault recover`), or wait for its scheduled purge date",
  },
  {
    code: "Conflict",
    message: /is assigned; delete its assignments first/,
    hint: "`keyhold role assignment list` shows the assignments, `keyhold role assignment delete --id ID` removes one",
  },
  {
    code: "Conflict",
    message: /deleted but recoverable state/,
    hint: "recover it (`recover`) or purge it (`purge`) first, or choose another name",
  },
  { code: "Conflict", message: /cannot be restored over/, hint: "delete and purge the existing one first, or restore into another vault" },
  { code: "Conflict", message: /A role named/, hint: "choose another roleName: `keyhold role definition list` shows the roles" },
  { code: "Conflict", hint: "the name is taken (or soft-deleted: recover or purge it first)" },
  { code: "Unauthorized", hint: "the token was refused: check AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, or run `keyhold login` again" },
  { code: "invalid_client", hint: "the client id or secret is wrong or expired (keyhold principal credential add makes a new secret)" },
  {
    code: "AuthenticationFailed",
    hint: "check the credential in the environment (AZURE_CLIENT_ID/SECRET, or the managed identity's IDENTITY_ENDPOINT/HEADER)",
  },
  { code: "MissingEnvironment", hint: 'run `eval "$(keyhold dev env)"`, source the server\'s dev.env, or run `keyhold login`' },
  {
    code: "LoginExpired",
    message: /can no longer be renewed/,
    hint: "sign in again: `keyhold login --device-code` (or `keyhold login --browser`)",
  },
  { code: "LoginExpired", hint: "run `keyhold login` again (a login keeps a token, never the client secret, so it cannot renew itself)" },
  { code: "LoginBusy", hint: "if no other keyhold command is running, remove that lock file and try again" },
  { code: "expired_token", hint: "run `keyhold login --device-code` again, and enter the new code before it expires" },
  { code: "authorization_declined", hint: "run `keyhold login --device-code` again, and choose Continue on the page" },
  {
    code: "SignInTimedOut",
    hint: "run `keyhold login --browser` again (--timeout MINUTES waits longer), or sign in with `keyhold login --device-code`",
  },
  { code: "ConnectionRefused", hint: "is the server running, on that port? (`keyhold dev` starts one)" },
  { code: "HostNotFound", hint: "check the host name in KEYHOLD_URL (or the login's URL): DNS or /etc/hosts must know it" },
  { code: "ConnectionTimedOut", hint: "is the host up, and does a firewall let the port through?" },
  { code: "NetworkUnreachable", hint: "check the network route to the host (VPN, firewall)" },
  { code: "ConnectionReset", hint: "is KEYHOLD_URL the server's HTTPS port, and no proxy in between?" },
  { code: "TlsUntrusted", hint: TLS_TRUST },
  { code: "TlsCertificateExpired", hint: "the server's certificate must be renewed (a dev server renews its own when it starts)" },
  { code: "TlsCertificateNotYetValid", hint: "check this machine's clock, or the certificate's start date" },
  { code: "TlsHostnameMismatch", hint: "use a host name the certificate names in KEYHOLD_URL (a dev server's: localhost)" },
  { code: "TlsHandshakeFailed", hint: "is KEYHOLD_URL an https:// address of a Keyhold server (not a plain HTTP port)?" },
  { code: "ConnectionFailed", hint: "is the server running? (`keyhold dev` starts one)" },
  { code: "ServerUnhealthy", hint: "the server runs but cannot serve: its log says why (for PostgreSQL, is the database up?)" },
  { code: "BadResponse", hint: "is KEYHOLD_URL a Keyhold server, not a proxy or another service?" },
  { code: "InvalidServerUrl", hint: "give the server's address as https://HOST:PORT, e.g. https://localhost:8443" },
  { code: "CaFileUnreadable", hint: "give the server's CA again: `keyhold login --ca CA.pem`, or NODE_EXTRA_CA_CERTS" },
  { code: "VaultNotFound", hint: "`keyhold vault list` shows the vaults; a deleted one is in `vault list-deleted`" },
  { code: "VaultAlreadyExists", hint: "`keyhold vault list-deleted` shows deleted vaults: `vault recover` or `vault purge` one" },
  { code: "DeletedVaultNotFound", hint: "`keyhold vault list-deleted` shows the deleted vaults" },
  { code: "SoftDeletedVaultDoesNotExist", hint: "`keyhold vault list-deleted` shows the deleted vaults" },
  { code: "SecretNotFound", hint: "`keyhold secret list --vault-name V` shows the secrets; a deleted one is in `secret list-deleted`" },
  { code: "KeyNotFound", hint: "`keyhold key list --vault-name V` shows the keys; a deleted one is in `key list-deleted`" },
  {
    code: "CertificateNotFound",
    hint:
      "`keyhold certificate list --vault-name V` shows the certificates (add --include-pending for those being issued); " +
      "a deleted one is in `certificate list-deleted`",
  },
  { code: "PendingCertificateNotFound", hint: "no operation is pending for it: `keyhold certificate show` shows the certificate" },
  { code: "CertificateIssuerNotFound", hint: "`keyhold certificate issuer list --vault-name V` shows the issuers" },
  { code: "ContactExists", hint: "`keyhold certificate contact list --vault-name V` shows the contacts" },
  { code: "ContactNotFound", hint: "`keyhold certificate contact list --vault-name V` shows the contacts" },
  { code: "NotFound", hint: "the server does not serve this request: is it an older Keyhold than this CLI? (`keyhold --version`)" },
  {
    code: "BadParameter",
    message: /cannot be written safely as dotenv/,
    hint: "use --format json, or `keyhold run` to hand the secrets to a program",
  },
  { code: "BadParameter", hint: "HELP shows the options and examples" },
  { code: "InvalidQuery", hint: "the --query expression is not valid JMESPath (jmespath.org)" },
  { code: "FileNotFound", hint: "check the path (a relative one starts at the current directory)" },
  { code: "FileExists", hint: "choose another file, or remove this one first" },
  { code: "FileAccessDenied", hint: "check the file's and its directory's permissions (`ls -l`)" },
  { code: "NotAFile", hint: "give the path of a file" },
  { code: "AddressInUse", hint: "another program listens there: choose another --port (0 picks a free one), or stop it" },
  { code: "ConfigInvalid", hint: "the README's Production section lists every setting" },
  { code: "SeedInvalid", hint: "`keyhold dev --help` shows the seed file's format" },
  { code: "StoreUnavailable", hint: "is the database up and reachable with the given URL?" },
  { code: "ServiceUnavailable", hint: "the server cannot reach its store for now: retry in a moment" },
  { code: "InternalError", hint: "this is a bug in Keyhold: run the command again with --debug for the stack, and report it" },
];

const matches = (rule: HintRule, error: CliError): boolean =>
  rule.code === error.code &&
  (rule.innerCode === undefined || rule.innerCode === error.innerCode) &&
  (rule.message?.test(error.message) ?? true);

/** The hint for what happened, if there is something to try; `help` is the help command of the command that failed. */
export const hintFor = (error: CliError, help: string): string | undefined =>
  RULES.find((rule) => matches(rule, error))?.hint.replace("HELP", help);
