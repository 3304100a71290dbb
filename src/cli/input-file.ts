import { readFileSync } from "node:fs";
import { fileFailure, isErrnoError } from "./file-failure.js";

/** The bytes of a file the user named on the command line; a missing or unreadable one is a CLI error naming it. */
export function readInputFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw isErrnoError(error) ? fileFailure(error, path) : error;
  }
}

/** The text (UTF-8) of a file the user named on the command line. */
export const readInputText = (path: string): string => readInputFile(path).toString("utf8");
