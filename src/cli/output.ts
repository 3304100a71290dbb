import { search } from "@jmespath-community/jmespath";
import { stringify as toYaml } from "yaml";
import { CliError } from "./keyhold-client.js";

/** How results are printed: `-o json|table|tsv|yaml` and `--query JMESPATH`, as `az` does. */
export type OutputFormat = "json" | "table" | "tsv" | "yaml";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["json", "table", "tsv", "yaml"];

export interface OutputSettings {
  output: OutputFormat;
  query?: string;
}

let settings: OutputSettings = { output: "json" };

export function setOutput(next: OutputSettings): void {
  settings = next;
}

const isScalar = (v: unknown): boolean => v === null || ["string", "number", "boolean"].includes(typeof v);
const cell = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

/** An object's scalar fields, with one level of nested objects as `parent.child` (attributes.enabled, …). */
function flatten(item: Record<string, unknown>): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(item)) {
    if (isScalar(v)) flat[key] = v;
    else if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      for (const [inner, w] of Object.entries(v)) if (isScalar(w)) flat[`${key}.${inner}`] = w;
    }
  }
  return flat;
}

/** Rows of scalars: an array of objects, one object, or scalars; deeper values are left out, as az's table does. */
function rows(value: unknown): { columns: string[]; rows: string[][] } {
  const items = Array.isArray(value) ? value : [value];
  if (items.every(isScalar)) return { columns: ["Result"], rows: items.map((v) => [cell(v)]) };
  const flat = items.map((item) => (typeof item === "object" && item !== null ? flatten(item as Record<string, unknown>) : {}));
  const columns: string[] = [];
  for (const item of flat) for (const key of Object.keys(item)) if (!columns.includes(key)) columns.push(key);
  return { columns, rows: flat.map((item) => columns.map((c) => cell(item[c]))) };
}

function table(value: unknown): string {
  const { columns, rows: body } = rows(value);
  if (columns.length === 0) return "";
  const width = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join("  ").trimEnd();
  return [line(columns), line(width.map((w) => "-".repeat(w))), ...body.map(line)].join("\n") + "\n";
}

function tsv(value: unknown): string {
  const { rows: body } = rows(value);
  return body.map((r) => r.join("\t")).join("\n") + (body.length > 0 ? "\n" : "");
}

export function render(value: unknown, using: OutputSettings = settings): string {
  let shown = value;
  if (using.query) {
    try {
      shown = search(value as Parameters<typeof search>[0], using.query);
    } catch (error) {
      throw new CliError("InvalidQuery", `--query: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (shown === undefined) return "";
  switch (using.output) {
    case "table":
      return table(shown);
    case "tsv":
      return tsv(shown);
    case "yaml":
      return toYaml(shown);
    default:
      return `${JSON.stringify(shown, null, 2)}\n`;
  }
}

/** Prints a command's result in the chosen format. */
export function print(value: unknown): void {
  process.stdout.write(render(value));
}
