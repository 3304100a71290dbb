import { CliError } from "./cli-error.js";

/** How results are printed: `-o json|table|tsv|yaml` and `--query JMESPATH`, as `az` does. */
export type OutputFormat = "json" | "table" | "tsv" | "yaml";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["json", "table", "tsv", "yaml"];

export interface OutputSettings {
  output: OutputFormat;
  query?: string;
}

let settings: OutputSettings = { output: "json" };

/** The YAML writer and the JMESPath engine, loaded by setOutput only when -o yaml or --query asks for them. */
let toYaml: ((value: unknown) => string) | null = null;
let search: ((value: unknown, query: string) => unknown) | null = null;

export async function setOutput(next: OutputSettings): Promise<void> {
  if (next.output === "yaml" && !toYaml) toYaml = (await import("yaml")).stringify;
  if (next.query !== undefined && !search) {
    const jmespath = await import("@jmespath-community/jmespath");
    search = (value, query) => jmespath.search(value as Parameters<typeof jmespath.search>[0], query);
  }
  settings = next;
}

/** What setOutput loaded: rendering is synchronous, so what it needs must be there before. */
function loaded<T>(module: T | null): T {
  if (!module) throw new Error("render: the output settings were not set with setOutput");
  return module;
}

/**
 * A command's table, as az's table transformers make them: the columns `-o table` shows and how each cell is read
 * from an item of the answer. Without one, or with --query (as az does), a table shows the answer's scalar fields.
 */
export interface TableView {
  columns: readonly (readonly [header: string, cell: (item: Record<string, unknown>) => unknown])[];
}

interface Rows {
  columns: string[];
  rows: string[][];
}

const isScalar = (v: unknown): boolean => v === null || ["string", "number", "boolean"].includes(typeof v);
/** A table cell: scalars as they print, nothing for null, anything else (never expected in a cell) as JSON. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "number" || typeof v === "boolean" ? String(v) : typeof v === "string" ? v : JSON.stringify(v);
}

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
function rows(value: unknown): Rows {
  const items = Array.isArray(value) ? value : [value];
  if (items.every(isScalar)) return { columns: ["Result"], rows: items.map((v) => [cell(v)]) };
  const flat = items.map((item) => (typeof item === "object" && item !== null ? flatten(item as Record<string, unknown>) : {}));
  const columns: string[] = [];
  for (const item of flat) for (const key of Object.keys(item)) if (!columns.includes(key)) columns.push(key);
  return { columns, rows: flat.map((item) => columns.map((c) => cell(item[c]))) };
}

/** The view's columns for each item; nothing for an empty list, as az prints nothing for one. */
function viewRows(value: unknown, view: TableView): Rows {
  const items = (Array.isArray(value) ? value : [value]).filter(
    (item): item is Record<string, unknown> => typeof item === "object" && item !== null,
  );
  if (items.length === 0) return { columns: [], rows: [] };
  return { columns: view.columns.map(([header]) => header), rows: items.map((item) => view.columns.map(([, read]) => cell(read(item)))) };
}

function table({ columns, rows: body }: Rows): string {
  if (columns.length === 0) return "";
  const width = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(width[i]!))
      .join("  ")
      .trimEnd();
  return [line(columns), line(width.map((w) => "-".repeat(w))), ...body.map(line)].join("\n") + "\n";
}

function tsv(value: unknown): string {
  const { rows: body } = rows(value);
  return body.map((r) => r.join("\t")).join("\n") + (body.length > 0 ? "\n" : "");
}

export function render(value: unknown, using: OutputSettings = settings, view?: TableView): string {
  let shown = value;
  if (using.query) {
    try {
      shown = loaded(search)(value, using.query);
    } catch (error) {
      throw new CliError("InvalidQuery", `--query: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (shown === undefined) return "";
  switch (using.output) {
    case "table":
      return table(view && !using.query ? viewRows(shown, view) : rows(shown));
    case "tsv":
      return tsv(shown);
    case "yaml":
      return loaded(toYaml)(shown);
    default:
      return `${JSON.stringify(shown, null, 2)}\n`;
  }
}

/** Whether the result is printed as a command's table view: `-o table` without --query. */
export function tableViewShown(): boolean {
  return settings.output === "table" && !settings.query;
}

/** Prints a command's result in the chosen format; `view` chooses the columns of `-o table`. */
export function print(value: unknown, view?: TableView): void {
  process.stdout.write(render(value, settings, view));
}
