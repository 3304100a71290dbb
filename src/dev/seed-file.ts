import { readFileSync } from "node:fs";
import { type Document, LineCounter, type Node, isAlias, isMap, isScalar, isSeq, parseDocument } from "yaml";
import { KEY_OPERATIONS, NODE_CURVE } from "../crypto/key-types.js";
import { KeyVaultError } from "../errors/key-vault-error.js";
import { KEY_TYPE_NAMES, parseKeyCreate } from "../server/wire/key-wire.js";
import { parseSecretSet } from "../server/wire/secret-wire.js";
import type { VaultSku } from "../storage/records.js";
import { fillAllPlaceholders, fillPlaceholders } from "./seed-placeholders.js";

/**
 * A seed file (`keyhold dev --seed FILE`, YAML or JSON) read and checked before any server starts: every field is
 * known, has the right type, and is given under one spelling; a mistake is refused with the file, line, column
 * and field (`seed.yaml:7:7: vaults[0].keys.rsa-kek: unknown field 'sizee' (expected one of …)`). Secrets are a
 * value or the REST SetSecret body; keys are the REST CreateKey body, whose `key_size`, `crv` and `key_ops` may
 * also be spelled as `keyhold key create` spells them: `size`, `curve`, `ops`.
 *
 *   vaults:
 *     - name: app-vault
 *       sku: premium
 *       secrets:
 *         db-password: "${random:24}"
 *         api-url: { value: "https://api.example.test", contentType: text/plain }
 *       keys:
 *         signer: { kty: EC, curve: P-256 }
 *         rsa-kek: { kty: RSA, size: 3072, ops: [wrapKey, unwrapKey] }
 */
export class SeedError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = "SeedError";
  }
}

/** A secret or key to make: its REST body (placeholders not yet filled in) and where the file declares it. */
export interface SeedObject {
  name: string;
  body: Record<string, unknown>;
  where: string;
}

export interface SeedVault {
  name: string;
  enableRbacAuthorization?: boolean;
  sku?: VaultSku;
  secrets: SeedObject[];
  keys: SeedObject[];
  where: string;
}

/** A field's name, or the CLI's spelling and the REST API's spelling of one field (the body takes the second). */
type FieldName = string | readonly [cli: string, rest: string];

const ROOT_FIELDS: readonly FieldName[] = ["vaults"];
const VAULT_FIELDS: readonly FieldName[] = ["name", "sku", "enableRbacAuthorization", "secrets", "keys"];
const SECRET_FIELDS: readonly FieldName[] = ["value", "contentType", "tags", "attributes"];
const KEY_FIELDS: readonly FieldName[] = [
  "kty",
  ["size", "key_size"],
  ["curve", "crv"],
  ["ops", "key_ops"],
  "public_exponent",
  "attributes",
  "tags",
];
const SECRET_ATTRIBUTE_FIELDS: readonly FieldName[] = ["enabled", "nbf", "exp"];
const KEY_ATTRIBUTE_FIELDS: readonly FieldName[] = [...SECRET_ATTRIBUTE_FIELDS, "exportable"];
const SKUS: readonly VaultSku[] = ["standard", "premium"];
const CURVES = Object.keys(NODE_CURVE);

const restName = (field: FieldName): string => (typeof field === "string" ? field : field[1]);
const describeFields = (fields: readonly FieldName[]): string =>
  fields.map((f) => (typeof f === "string" ? f : `${f[0]} (or ${f[1]})`)).join(", ");

/** The fields of a map by their REST names, with the name they were given under (for messages); null ones are left out. */
type Fields = Map<string, { node: Node; path: string }>;

/** The parsed file, and readers of its nodes that refuse a wrong one with its line and column. */
class SeedReader {
  readonly #lines = new LineCounter();
  readonly #document: Document;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.#document = parseDocument(text, { lineCounter: this.#lines });
    const [error] = this.#document.errors;
    if (error) {
      const at = error.linePos?.[0];
      const what = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
      throw new SeedError(at ? `${file}:${at.line}:${at.col}` : file, `not valid YAML or JSON: ${what}`);
    }
  }

  get root(): Node | null {
    return this.#document.contents;
  }

  /** `FILE:LINE:COLUMN: PATH`, for the messages of this node. */
  where(node: Node | null, path: string): string {
    const offset = node?.range?.[0];
    const position = offset === undefined ? undefined : this.#lines.linePos(offset);
    return `${this.file}${position ? `:${position.line}:${position.col}` : ""}${path ? `: ${path}` : ""}`;
  }

  fail(node: Node | null, path: string, message: string): never {
    throw new SeedError(this.where(node, path), message);
  }

  #resolved(node: Node | null): Node | null {
    return node && isAlias(node) ? (node.resolve(this.#document) ?? null) : node;
  }

  /** A map's entries as [key, key node, value node]; keys are names, so a key `123` is the name "123". */
  entries(node: Node | null, path: string, expected: string): [string, Node, Node | null][] {
    const map = this.#resolved(node);
    if (!isMap(map)) this.fail(node, path, `expected ${expected}`);
    return map.items.map((pair) => {
      const key = pair.key as Node;
      if (!isScalar(key) || !["string", "number"].includes(typeof key.value)) this.fail(key, path, "expected a name as the key");
      return [String(key.value), key, (pair.value as Node | null) ?? null];
    });
  }

  /** A map's fields, refusing unknown ones and a field given under both its spellings. */
  fields(node: Node | null, path: string, allowed: readonly FieldName[], expected: string): Fields {
    const spelledAs = new Map<string, string>();
    for (const field of allowed)
      for (const spelling of typeof field === "string" ? [field] : field) spelledAs.set(spelling, restName(field));
    const fields: Fields = new Map();
    const given = new Map<string, string>();
    for (const [name, key, value] of this.entries(node, path, expected)) {
      const rest = spelledAs.get(name);
      if (rest === undefined) this.fail(key, path, `unknown field '${name}' (expected one of ${describeFields(allowed)})`);
      const other = given.get(rest);
      if (other !== undefined) this.fail(key, path, `'${other}' and '${name}' are the same field: give one of them`);
      given.set(rest, name);
      const resolved = this.#resolved(value);
      if (resolved && !(isScalar(resolved) && resolved.value === null))
        fields.set(rest, { node: value!, path: path ? `${path}.${name}` : name });
    }
    return fields;
  }

  #scalar(node: Node, path: string, type: "string" | "number" | "boolean", expected: string): string | number | boolean {
    const scalar = this.#resolved(node);
    if (!isScalar(scalar) || typeof scalar.value !== type) this.fail(node, path, `expected ${expected}`);
    return scalar.value as string | number | boolean;
  }

  text(node: Node, path: string, placeholders = false): string {
    const text = this.#scalar(node, path, "string", "a string") as string;
    if (placeholders) {
      try {
        fillPlaceholders(text);
      } catch (error) {
        this.fail(node, path, (error as Error).message);
      }
    }
    return text;
  }

  flag(node: Node, path: string): boolean {
    return this.#scalar(node, path, "boolean", "true or false") as boolean;
  }

  integer(node: Node, path: string, expected: string): number {
    const value = this.#scalar(node, path, "number", expected) as number;
    if (!Number.isSafeInteger(value) || value < 0) this.fail(node, path, `expected ${expected}`);
    return value;
  }

  choice<T extends string>(node: Node, path: string, choices: readonly T[]): T {
    const expected = `one of ${choices.join(", ")}`;
    const value = this.#scalar(node, path, "string", expected) as string;
    if (!(choices as readonly string[]).includes(value)) this.fail(node, path, `'${value}' is not ${expected}`);
    return value as T;
  }

  list(node: Node, path: string, expected: string): Node[] {
    const list = this.#resolved(node);
    if (!isSeq(list)) this.fail(node, path, `expected ${expected}`);
    return list.items as Node[];
  }

  choices<T extends string>(node: Node, path: string, choices: readonly T[]): T[] {
    return this.list(node, path, `a list of ${choices.join(", ")}`).map((item, i) => this.choice(item, `${path}[${i}]`, choices));
  }
}

/** Tags: a map of names to strings. */
function readTags(r: SeedReader, node: Node, path: string): Record<string, string> {
  return Object.fromEntries(
    r
      .entries(node, path, "a map of tag names to strings")
      .map(([name, key, value]) => [
        name,
        value ? r.text(value, `${path}.${name}`, true) : r.fail(key, `${path}.${name}`, "expected a string"),
      ]),
  );
}

function readAttributes(r: SeedReader, node: Node, path: string, allowed: readonly FieldName[]): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [name, { node: value, path: at }] of r.fields(node, path, allowed, `a map of ${describeFields(allowed)}`)) {
    attributes[name] = name === "nbf" || name === "exp" ? r.integer(value, at, "a time in seconds since 1970-01-01") : r.flag(value, at);
  }
  return attributes;
}

/** Runs the server's own parsing of the body, so that what it would refuse later is refused now, with the place. */
function checkBody(r: SeedReader, node: Node, path: string, parse: (body: unknown) => unknown, body: Record<string, unknown>): void {
  try {
    parse(fillAllPlaceholders(body));
  } catch (error) {
    if (error instanceof KeyVaultError) r.fail(node, path, error.message);
    throw error;
  }
}

function readSecret(r: SeedReader, key: Node, value: Node | null, path: string): Record<string, unknown> {
  if (value && isScalar(value) && typeof value.value === "string") return { value: r.text(value, path, true) };
  const expected = `a string (the value) or a map of ${describeFields(SECRET_FIELDS)}`;
  if (!value) r.fail(key, path, `expected ${expected}`);
  const fields = r.fields(value, path, SECRET_FIELDS, expected);
  const body: Record<string, unknown> = {};
  for (const [name, { node, path: at }] of fields) {
    if (name === "tags") body.tags = readTags(r, node, at);
    else if (name === "attributes") body.attributes = readAttributes(r, node, at, SECRET_ATTRIBUTE_FIELDS);
    else body[name] = r.text(node, at, true);
  }
  if (!fields.has("value")) r.fail(value, path, "a secret needs a value");
  checkBody(r, value, path, parseSecretSet, body);
  return body;
}

function readKey(r: SeedReader, key: Node, value: Node | null, path: string): Record<string, unknown> {
  const expected = `a map of ${describeFields(KEY_FIELDS)}`;
  if (!value) r.fail(key, path, `expected ${expected}`);
  const fields = r.fields(value, path, KEY_FIELDS, expected);
  const body: Record<string, unknown> = {};
  for (const [name, { node, path: at }] of fields) {
    if (name === "kty") body.kty = r.choice(node, at, KEY_TYPE_NAMES);
    else if (name === "key_size") body.key_size = r.integer(node, at, "a number of bits (RSA: 2048, 3072, 4096; oct: 128, 192, 256)");
    else if (name === "crv") body.crv = r.choice(node, at, CURVES);
    else if (name === "key_ops") body.key_ops = r.choices(node, at, KEY_OPERATIONS);
    else if (name === "public_exponent") body.public_exponent = r.integer(node, at, "an odd number of at least 3");
    else if (name === "attributes") body.attributes = readAttributes(r, node, at, KEY_ATTRIBUTE_FIELDS);
    else body.tags = readTags(r, node, at);
  }
  if (!fields.has("kty")) r.fail(value, path, `a key needs a kty (${KEY_TYPE_NAMES.join(", ")})`);
  checkBody(r, value, path, parseKeyCreate, body);
  return body;
}

function readObjects(r: SeedReader, node: Node, path: string, read: typeof readKey): SeedObject[] {
  return r.entries(node, path, "a map of names to definitions").map(([name, key, value]) => {
    const at = `${path}.${name}`;
    return { name, body: read(r, key, value, at), where: r.where(key, at) };
  });
}

function readVault(r: SeedReader, node: Node, path: string): SeedVault {
  const fields = r.fields(node, path, VAULT_FIELDS, `a map of ${describeFields(VAULT_FIELDS)}`);
  const name = fields.get("name");
  if (!name) r.fail(node, path, "each vault needs a name");
  const sku = fields.get("sku");
  const rbac = fields.get("enableRbacAuthorization");
  const secrets = fields.get("secrets");
  const keys = fields.get("keys");
  return {
    name: r.text(name.node, name.path),
    ...(sku && { sku: r.choice(sku.node, sku.path, SKUS) }),
    ...(rbac && { enableRbacAuthorization: r.flag(rbac.node, rbac.path) }),
    secrets: secrets ? readObjects(r, secrets.node, secrets.path, readSecret) : [],
    keys: keys ? readObjects(r, keys.node, keys.path, readKey) : [],
    where: r.where(node, path),
  };
}

/** The seed file's vaults, or a SeedError naming the file, line, column and field of the first mistake. */
export function readSeedFile(file: string): SeedVault[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SeedError(file, `cannot read it: ${(error as Error).message}`);
  }
  const r: SeedReader = new SeedReader(file, text);
  const vaults = r.fields(r.root, "", ROOT_FIELDS, "{ vaults: [ … ] }").get("vaults");
  if (!vaults) r.fail(r.root, "", "expected { vaults: [ … ] }");
  return r.list(vaults.node, vaults.path, "a list of vaults").map((vault, i) => readVault(r, vault, `vaults[${i}]`));
}
