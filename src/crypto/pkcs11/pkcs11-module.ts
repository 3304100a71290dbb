import { existsSync } from "node:fs";
import pkcs11js from "pkcs11js";
import { cryptokiResult, Pkcs11SetupError } from "./pkcs11-errors.js";

/**
 * A PKCS#11 library is process-wide state: loading it twice gives the same library, and one C_Finalize ends it for
 * every user. So each module path is loaded and initialised once, shared, and finalised when its last user closes.
 */
interface LoadedModule {
  pkcs11: pkcs11js.PKCS11;
  users: number;
}

const loaded = new Map<string, LoadedModule>();

const INSTALL_HINT =
  "install the token's PKCS#11 library (for SoftHSM2 on Debian or Ubuntu: `apt-get install softhsm2`, which " +
  "provides /usr/lib/softhsm/libsofthsm2.so) and set hsm.module to its path";

/** Loads and initialises the module at `path` (or shares the one already loaded); pair with releaseModule. */
export function acquireModule(path: string): pkcs11js.PKCS11 {
  const existing = loaded.get(path);
  if (existing) {
    existing.users += 1;
    return existing.pkcs11;
  }
  if (!existsSync(path)) throw new Pkcs11SetupError(`the PKCS#11 module ${path} does not exist: ${INSTALL_HINT}`);
  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(path);
  } catch {
    throw new Pkcs11SetupError(`${path} is not a PKCS#11 library (it cannot be loaded or has no C_GetFunctionList): ${INSTALL_HINT}`);
  }
  initialize(pkcs11);
  loaded.set(path, { pkcs11, users: 1 });
  return pkcs11;
}

/** C_Initialize with the OS's locking (operations run on several threads); an already initialised library is fine. */
export function initialize(pkcs11: pkcs11js.PKCS11): void {
  try {
    pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (cryptokiResult(error) !== "CKR_CRYPTOKI_ALREADY_INITIALIZED") throw error;
  }
}

/** Ends one user's share of a module: the last one finalises it and unloads it. */
export function releaseModule(path: string): void {
  const entry = loaded.get(path);
  if (!entry) return;
  entry.users -= 1;
  if (entry.users > 0) return;
  loaded.delete(path);
  try {
    entry.pkcs11.C_Finalize();
  } catch {
    // Already finalised (the token went away): nothing left to end.
  }
  entry.pkcs11.close();
}
