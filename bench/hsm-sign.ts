import { type HsmHttpSign, hsmHttpSignFigures, hsmHttpSignRows } from "./hsm-http-sign.js";
import { type Pkcs11SignFigures, pkcs11SignFigures, pkcs11SignRows } from "./pkcs11-sign.js";
import type { Row } from "./report.js";
import { softHsmMissing } from "./softhsm-token.js";

/**
 * The PKCS#11 rows (BENCH_ONLY=hsm, and the whole run): RS256 and ES256 through the backend against SoftHSM2's own
 * speed on a throw-away token (pkcs11-sign.ts), then over HTTP on -HSM keys against software keys
 * (hsm-http-sign.ts). Without SoftHSM2 both are skipped, and one row says why.
 */
export type HsmSign = { skipped: string } | { backend: Pkcs11SignFigures; http: HsmHttpSign };

export async function hsmSignFigures(load: { seconds: number; warmupSeconds: number }, log: (line: string) => void): Promise<HsmSign> {
  const missing = softHsmMissing();
  if (missing) {
    log(`PKCS#11 rows ${missing}`);
    return { skipped: missing };
  }
  log("PKCS#11: the backend's sign() against SoftHSM2's own C_SignInit + C_Sign loop, same token and key, alternated");
  const backend = await pkcs11SignFigures(log);
  log("PKCS#11: POST /keys/NAME/sign on keyhold dev --hsm softhsm, -HSM keys against software keys, alternated (wrk)");
  const http = await hsmHttpSignFigures(load, log);
  return { backend, http };
}

export function hsmSignRows(f: HsmSign): Row[] {
  if ("skipped" in f) return pkcs11SignRows(f);
  return [...pkcs11SignRows(f.backend), ...hsmHttpSignRows(f.http)];
}
