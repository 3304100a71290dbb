import type { Command } from "commander";
import { FROM_STDIN, readSensitiveInput, utf8Exactly } from "./secret-input.js";
import { attributesBody } from "./vault-object-commands.js";

/** Options that several certificate commands take, as az spells them. */

/** Whether a new certificate (create, import, merge) starts disabled, and its tags. */
export const newCertificateOptions = (command: Command): Command =>
  command.option("--disabled", "create the certificate disabled").option("--tags <tags...>", "space-separated KEY=VALUE tags");

/** The request body's attributes and tags of a new certificate. */
export const newCertificateBody = (o: { disabled?: boolean; tags?: string[] }): Record<string, unknown> =>
  attributesBody({ ...(o.disabled && { enabled: false }), ...(o.tags !== undefined && { tags: o.tags }) });

/** A password (a PFX's, an issuer account's) given as `-` comes from stdin, so that it stays out of `ps` and shell history. */
export async function passwordOption(password: string | undefined, what: string): Promise<string | undefined> {
  if (password !== FROM_STDIN) return password;
  return utf8Exactly(await readSensitiveInput(what, "--password"), "--password", "a password in UTF-8");
}
