import { StringDecoder } from "node:string_decoder";
import { CliError } from "./cli-error.js";

/**
 * Values that must stay off the command line. Arguments are readable by every local user (`ps`,
 * /proc/PID/cmdline) and end up in shell history, so each option that carries a secret also takes `-`: the
 * value then comes from standard input, which no other user can see.
 *
 * The rule for `-`:
 * - piped or redirected stdin is read to EOF and kept byte for byte: `printf %s "$V" | …` stores exactly $V,
 *   and a value that really ends in a newline (a PEM file, say) keeps it. `echo` and `-o tsv` add a newline,
 *   which is then part of the value; callers that know their value can never end in one (a client secret)
 *   drop it themselves.
 * - a terminal on stdin gets a prompt on stderr and one line, not echoed; the Enter ends the value and is not
 *   part of it. Reading to EOF there would echo the secret on screen and need Ctrl-D.
 * - empty input is refused: it far more often means a pipe whose producer failed than a wanted empty value.
 */
export const FROM_STDIN = "-";

/** The help text's warning for an option whose value is a secret. */
export const VISIBLE_WARNING = "a value given here is visible to other users in `ps` and kept in shell history";

async function readToEnd(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** One line typed at the terminal, with echo off (raw mode), as a password prompt reads it. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Raw mode before the prompt: whatever is typed once the prompt shows is never echoed.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  const decoder = new StringDecoder("utf8");
  let typed = "";
  return new Promise((resolve, reject) => {
    const finish = (outcome: () => void) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      outcome();
    };
    const onData = (chunk: Buffer) => {
      for (const ch of decoder.write(chunk)) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          finish(() => resolve(typed));
          return;
        }
        // Raw mode turns Ctrl-C into a character: honour it rather than swallow it.
        if (ch === "\u0003") {
          finish(() => reject(new CliError("Cancelled", "cancelled at the prompt")));
          return;
        }
        if (ch === "\u007f" || ch === "\b") typed = [...typed].slice(0, -1).join("");
        else if (ch === "\u0015") typed = "";
        else typed += ch;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}

/**
 * The bytes of a sensitive value given as `-` (see the rule above). `what` names it in the prompt and errors,
 * e.g. "secret value". `fileLike`: the input is a file's bytes (`--file -`), which nobody types at a terminal.
 */
export async function readSensitiveInput(what: string, option: string, fileLike = false): Promise<Buffer> {
  let bytes: Buffer;
  if (process.stdin.isTTY) {
    if (fileLike) throw new CliError("BadParameter", `${option} - reads the bytes from a pipe or a redirect, not from a terminal`);
    bytes = Buffer.from(await promptHidden(`${what[0]!.toUpperCase()}${what.slice(1)} (not echoed): `), "utf8");
  } else {
    bytes = await readToEnd();
  }
  if (bytes.length === 0) throw new CliError("BadParameter", `${option} -: standard input was empty, so there is no ${what}`);
  return bytes;
}

/**
 * Stdin's bytes as text, refused unless they are UTF-8: decoding would otherwise swap bad bytes for U+FFFD and
 * store something else than was piped. A byte order mark is kept, as it was given.
 */
export function utf8Exactly(bytes: Buffer, option: string, instead: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CliError("BadParameter", `${option} -: standard input is not UTF-8 text; for bytes, use ${instead}`);
  }
}

/** A sensitive value named by `--…-env NAME`: the variable's value (set and not empty). */
export function sensitiveEnv(name: string, option: string): string {
  const value = process.env[name];
  if (!value) throw new CliError("BadParameter", `${option} ${name}: the environment variable ${name} is not set or empty`);
  return value;
}
