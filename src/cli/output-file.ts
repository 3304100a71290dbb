import { writeFileSync } from "node:fs";
import { CliError } from "./cli-error.js";
import { fileFailure, isErrnoError } from "./file-failure.js";

/**
 * Writes what a command downloads (a value, a backup) to a file readable by its owner only, never over an
 * existing file unless the user said `--overwrite`: a mistyped name must not destroy a backup.
 */
export function writeOutputFile(path: string, bytes: Buffer, overwrite = false): void {
  try {
    writeFileSync(path, bytes, { mode: 0o600, flag: overwrite ? "w" : "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new CliError("FileExists", `${path} exists and was left as it is: add --overwrite to replace it`);
    }
    throw isErrnoError(error) ? fileFailure(error, path) : error;
  }
}
