import type { AppContext } from "../server/app-context.js";
import { KEYHOLD_PROVIDER } from "../vault/certificate-service.js";

/** The issuer dev mode registers in each of its vaults, served by the deployment's built-in CA. */
export const DEV_CERTIFICATE_ISSUER = "keyhold-ca";

/**
 * Registers `keyhold-ca` (provider Keyhold) in each vault that has no issuer of that name, so that a policy naming
 * it gets a certificate signed at once by the built-in CA. An issuer of that name a user registered is left alone.
 */
export async function ensureDevCertificateIssuer(ctx: AppContext, vaultNames: readonly string[]): Promise<void> {
  for (const name of vaultNames) {
    const vault = await ctx.vaults.find(name);
    if (!vault || (await ctx.certificateIssuers.providerOf(vault, DEV_CERTIFICATE_ISSUER)) !== null) continue;
    await ctx.certificateIssuers.set(vault, DEV_CERTIFICATE_ISSUER, { provider: KEYHOLD_PROVIDER });
  }
}
