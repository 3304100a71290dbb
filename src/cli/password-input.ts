import { CliError } from "./cli-error.js";
import { readSensitiveInput } from "./secret-input.js";

/** What `--help` of a command that takes a password says about where it comes from. */
export const PASSWORD_SOURCE_HELP = [
  "The password:",
  "  - piped or redirected: read from standard input (one trailing newline is dropped)",
  "  - otherwise: asked for twice at the terminal, not echoed",
  "It is never a command-line argument, where other users could see it in `ps` and the shell would keep it in",
  "its history.",
].join("\n");

/** The standard input's bytes as text, refused unless UTF-8 (a decoder would swap bad bytes for U+FFFD). */
function utf8Password(bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CliError("BadParameter", "the password on standard input is not UTF-8 text");
  }
}

/** One reading of the password; the only BadParameter readSensitiveInput gives here is for nothing read. */
async function readOnce(what: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readSensitiveInput(what, "the password");
  } catch (error) {
    if (error instanceof CliError && error.code === "BadParameter") {
      throw new CliError("BadParameter", process.stdin.isTTY ? "no password was typed" : "standard input was empty: no password");
    }
    throw error;
  }
  return utf8Password(bytes);
}

/**
 * A new password for a user: piped (`printf %s "$PW" | …`, where `echo`'s newline is dropped, as a terminal's
 * Enter is), or typed twice at a prompt, the two compared so that a typing slip does not become the password.
 * The server checks the policy (12 to 256 characters).
 */
export async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) return (await readOnce("password")).replace(/\r?\n$/, "");
  const first = await readOnce("new password");
  const again = await readOnce("new password again");
  if (first !== again) throw new CliError("BadParameter", "the two passwords typed differ: nothing was changed");
  return first;
}
