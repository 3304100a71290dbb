import type { Envelope } from "../crypto/envelope.js";
import { type CertificateAuthority, createCertificateAuthority, openCertificateAuthority } from "../crypto/x509/certificate-authority.js";
import type { StoreOps } from "../storage/store.js";

const META_KEY = "certificate-authority";
const SEAL_CONTEXT = "meta/certificate-authority";

/**
 * The deployment's certificate authority, which signs the certificates of issuers of provider `Keyhold`. Its key
 * and certificate are made at the first start, sealed under the master key and kept in the store as one value, so
 * every node of a deployment signs with the same authority and its key is never outside Keyhold in the clear.
 * `now` is epoch seconds.
 */
export async function loadCertificateAuthority(
  store: Pick<StoreOps, "getMeta" | "initMeta">,
  envelope: Envelope,
  now: () => number,
): Promise<CertificateAuthority> {
  let sealed = await store.getMeta(META_KEY);
  if (!sealed) {
    const created = await createCertificateAuthority(new Date(now() * 1000));
    // initMeta keeps whichever authority was stored first, should two nodes start at once; every node opens that one.
    sealed = await store.initMeta(META_KEY, envelope.seal(Buffer.from(created.pem, "utf8"), SEAL_CONTEXT));
  }
  return openCertificateAuthority(envelope.open(sealed, SEAL_CONTEXT).toString("utf8"));
}
