import { isIP } from "node:net";
import { InvalidArgumentError } from "commander";

/** A secret's, key's or certificate's collection in an object id, or its deleted form (a recoveryId: /deletedsecrets/NAME). */
export type IdCollection = "secrets" | "keys" | "certificates" | "deletedsecrets" | "deletedkeys" | "deletedcertificates";

export interface ObjectAddress {
  vaultName: string;
  name: string;
  version?: string;
}

const WHAT: Record<string, string> = {
  secrets: "a secret",
  keys: "a key",
  deletedsecrets: "a deleted secret",
  deletedkeys: "a deleted key",
  certificates: "a certificate",
  deletedcertificates: "a deleted certificate",
};

/** The form of the ids a command takes, for its help and errors. */
export const idForm = (collection: IdCollection): string =>
  `https://VAULT.vault.azure.net/${collection}/NAME${collection.startsWith("deleted") ? "" : "[/VERSION]"}`;

/**
 * An object id as az's --id takes it (`https://my-vault.vault.azure.net/secrets/NAME/VERSION`, or with a Keyhold
 * server's vault domain and port): the vault is the host's first label, as the server routes by it; the CLI still
 * connects to its own server (KEYHOLD_URL), naming that vault. A recoveryId (`/deletedsecrets/NAME`) has no version.
 */
export function parseObjectId(id: string, collection: IdCollection): ObjectAddress {
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    throw new InvalidArgumentError(`An object id is a URL such as ${idForm(collection)}`);
  }
  const host = url.hostname;
  const dot = host.indexOf(".");
  if (dot <= 0 || isIP(host) !== 0) {
    throw new InvalidArgumentError(
      `Its host, ${host}, names no vault: the vault is the first label of the host, as in ${idForm(collection)}`,
    );
  }
  const [kind = "", name, version, ...more] = url.pathname.replace(/\/+$/, "").split("/").slice(1);
  const deleted = collection.startsWith("deleted");
  if (kind.toLowerCase() !== collection) {
    const given = WHAT[kind.toLowerCase()] ?? "no secret, key or certificate";
    throw new InvalidArgumentError(
      `It names ${given}, but this command takes ${WHAT[collection]}'s ${deleted ? "recoveryId" : "id"}: ${idForm(collection)}`,
    );
  }
  if (!name || version === "" || (deleted && version !== undefined) || more.length > 0) {
    throw new InvalidArgumentError(`It is not of the form ${idForm(collection)}`);
  }
  return { vaultName: host.slice(0, dot), name, ...(version && { version }) };
}
