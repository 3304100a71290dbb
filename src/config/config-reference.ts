import { z } from "zod";
import { serveConfigSchema } from "./serve-config-schema.js";

/** One setting of the config file as people read it: in the README's table and in error messages. */
export interface SettingReference {
  /** Dotted path: `tls.certFile`. */
  path: string;
  /** What a value looks like: `integer 1–64`, `file path`, `one of \`silent\`, …`. */
  type: string;
  /** The default as JSON in backticks, `required`, or `—` (optional, no default). */
  default: string;
  description: string;
}

/** The parts of a JSON Schema that the schema's conversion produces and this reference reads. */
interface JsonSchemaNode {
  type?: string;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  default?: unknown;
  description?: string;
  /** The schema's own metadata: how a value is described where its type says too little. */
  expected?: string;
}

let root: JsonSchemaNode | undefined;
/** The schema as JSON Schema (with its defaults, as a file gives its settings), made when first needed. */
const rootNode = (): JsonSchemaNode => (root ??= z.toJSONSchema(serveConfigSchema, { io: "input" }) as JsonSchemaNode);

/** The branches of a node (a union's options, flattened), or the node itself. */
function branchesOf(node: JsonSchemaNode): JsonSchemaNode[] {
  return node.anyOf ? node.anyOf.flatMap(branchesOf) : [node];
}

const objectBranchOf = (node: JsonSchemaNode): JsonSchemaNode | undefined => branchesOf(node).find((branch) => branch.properties);

/** What a value of this node looks like, for people. */
export function typeOf(node: JsonSchemaNode): string {
  if (node.expected) return node.expected;
  if (node.enum) return `one of ${node.enum.map((value) => `\`${String(value)}\``).join(", ")}`;
  if (node.anyOf) return branchesOf(node).map(typeOf).join(" or ");
  if (node.type === "integer") return `integer ${node.minimum}–${node.maximum}`;
  if (node.type === "array") return `array of ${typeOf(node.items ?? {})}${node.minItems ? `, at least ${node.minItems}` : ""}`;
  if (node.type === "object") return `object with ${Object.keys(node.properties ?? {}).join(", ")}`;
  return node.type ?? "any value";
}

function defaultOf(node: JsonSchemaNode, required: boolean): string {
  if (node.default !== undefined) return `\`${JSON.stringify(node.default)}\``;
  return required ? "required" : "—";
}

/** The rows for a node's settings: one per value that is not an object of settings, an object's own settings after it. */
function rowsOf(node: JsonSchemaNode, prefix: string, required: boolean): SettingReference[] {
  const rows: SettingReference[] = [];
  if (prefix && !node.properties) {
    rows.push({ path: prefix, type: typeOf(node), default: defaultOf(node, required), description: node.description ?? "" });
  }
  const object = objectBranchOf(node);
  for (const [key, child] of Object.entries(object?.properties ?? {})) {
    const childRequired = required && (object?.required ?? []).includes(key) && child.default === undefined;
    rows.push(...rowsOf(child, prefix ? `${prefix}.${key}` : key, childRequired));
  }
  return rows;
}

/** Every setting of the config file, in the schema's order. */
export function settingsReference(): SettingReference[] {
  return rowsOf(rootNode(), "", true);
}

/** The node of the schema at a path of the config (object keys and array indexes), or undefined for none. */
export function settingAt(path: readonly PropertyKey[]): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = rootNode();
  for (const step of path) {
    if (!node) return undefined;
    node = typeof step === "number" ? node.items : objectBranchOf(node)?.properties?.[String(step)];
  }
  return node;
}

/** The settings an object at this path may hold. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  const node = settingAt(path);
  return Object.keys((node && objectBranchOf(node)?.properties) ?? {});
}
