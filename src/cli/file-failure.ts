import { CliError } from "./cli-error.js";

/**
 * A file-system error on `path` (a file the user named: --file, --pem-file, a backup, …) as one of the CLI's
 * errors, with a code for what went wrong and the path in the message (Node's own message may lack it).
 */
export function fileFailure(error: NodeJS.ErrnoException, path: string): CliError {
  switch (error.code) {
    case "ENOENT":
      return new CliError("FileNotFound", `${path} does not exist`);
    case "ENOTDIR":
      return new CliError("FileNotFound", `${path} does not exist: a part of it is not a directory`);
    case "EEXIST":
      return new CliError("FileExists", `${path} exists and was left as it is`);
    case "EACCES":
    case "EPERM":
      return new CliError("FileAccessDenied", `permission denied on ${path}`);
    case "EISDIR":
      return new CliError("NotAFile", `${path} is a directory, not a file`);
    case "EROFS":
      return new CliError("FileAccessDenied", `${path} is on a read-only file system`);
    case "ENOSPC":
      return new CliError("DiskFull", `no space left on the device for ${path}`);
    default:
      return new CliError("FileError", `${path}: ${error.message}`);
  }
}

/** Whether `error` is a file-system error of Node (it has an errno code such as ENOENT). */
export const isErrnoError = (error: unknown): error is NodeJS.ErrnoException =>
  error instanceof Error &&
  typeof (error as NodeJS.ErrnoException).code === "string" &&
  typeof (error as NodeJS.ErrnoException).errno === "number";
