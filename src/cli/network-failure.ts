import { CliError } from "./cli-error.js";

/** TLS verification codes (OpenSSL's, as Node reports them) that mean: no trusted CA signed the server's certificate. */
const UNTRUSTED = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);

/** OpenSSL's reason in its error line (`…:SSL routines:ssl3_get_record:wrong version number:file:line:`). */
const opensslReason = (error: Error): string => /SSL routines:[^:]*:([^:]+)/.exec(error.message)?.[1] ?? error.message.trim();

/**
 * Why a request to `url` got no answer, as one of the CLI's errors: each cause has its own code (refused, DNS,
 * timeout, TLS trust, …), so that the hint and `keyhold status` can say what to do about it.
 */
export function networkFailure(error: NodeJS.ErrnoException, url: string): CliError {
  const { origin, hostname, host } = new URL(url);
  const code = error.code ?? "";
  if (code === "ECONNREFUSED") return new CliError("ConnectionRefused", `nothing accepts connections at ${host} (connection refused)`);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new CliError("HostNotFound", `the host name ${hostname} does not resolve (DNS: ${code})`);
  if (code === "ETIMEDOUT") return new CliError("ConnectionTimedOut", `${origin} did not answer in time (${error.message})`);
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return new CliError("NetworkUnreachable", `no route to ${host} (${code})`);
  if (UNTRUSTED.has(code)) return new CliError("TlsUntrusted", `the TLS certificate of ${origin} is not trusted: ${error.message}`);
  if (code === "CERT_HAS_EXPIRED") return new CliError("TlsCertificateExpired", `the TLS certificate of ${origin} has expired`);
  if (code === "CERT_NOT_YET_VALID") return new CliError("TlsCertificateNotYetValid", `the TLS certificate of ${origin} is not valid yet`);
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return new CliError("TlsHostnameMismatch", `the TLS certificate of ${origin} does not name ${hostname}`);
  if (code === "ECONNRESET") return new CliError("ConnectionReset", `${origin} closed the connection (${error.message})`);
  if (code === "EPROTO" || code.startsWith("ERR_SSL_"))
    return new CliError("TlsHandshakeFailed", `no TLS handshake with ${origin} (${opensslReason(error)})`);
  return new CliError("ConnectionFailed", `cannot reach ${origin}: ${error.message}`);
}
