import { CliError } from "./cli-error.js";
import { envNameOf } from "./vault-secrets.js";

/** Why a value cannot be written so that sh, bash, zsh and the dotenv package all read it back exactly; null if it can. */
function unwritable(value: string): string | null {
  if (value.includes("\r")) return "holds a carriage return, which dotenv reads as a line break";
  if (value.includes("\0")) return "holds a NUL character, which no shell variable can hold";
  if (/\p{Cs}/u.test(value)) return "is not well-formed Unicode";
  if (value.includes("'") && !fitsDoubleQuotes(value)) {
    return 'holds a single quote and also $, `, " or a backslash, which the shells and dotenv would read differently';
  }
  return null;
}

/**
 * Between double quotes the shells expand $ and ` and take \ before $ ` " \ and a line break as an escape, while dotenv
 * expands only \n and \r: a value with none of these is read exactly by both.
 */
const fitsDoubleQuotes = (value: string): boolean => !/[$`"]|\\([$`"\\\nnr]|$)/.test(value);

/**
 * One .env line for a secret that `source .env` (sh, bash, zsh) and the dotenv package all read back as exactly `value`,
 * and that runs nothing. Single quotes, where nothing is expanded, hold any value without a single quote. A value that
 * ends in a backslash gets a comment holding a quote: dotenv takes the `\'` at its end for an escaped quote and would
 * read on into the next lines, up to the next quote, which the comment provides. A value with a single quote goes
 * between double quotes when it has nothing either reader would expand. Any other value is refused.
 */
export function dotenvLine(secretName: string, value: string): string {
  const envName = envNameOf(secretName);
  const refuse = (why: string) => new CliError("BadParameter", `secret '${secretName}' cannot be written safely as dotenv: ${why}`);
  if (/^[0-9]/.test(envName)) throw refuse(`its variable name, ${envName}, begins with a digit, which the shells do not take`);
  const why = unwritable(value);
  if (why) throw refuse(`its value ${why}`);
  if (value.includes("'")) return `${envName}="${value}"`;
  const guard = value.endsWith("\\") ? " # (this ' stops dotenv reading past the backslash)" : "";
  return `${envName}='${value}'${guard}`;
}
