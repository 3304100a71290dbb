import type { z } from "zod";
import { knownKeysAt, settingAt, settingsReference, typeOf } from "./config-reference.js";

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** `tls.certFile`, `vaultDomains[1]`. */
function pathText(path: Path): string {
  return path.map((step, i) => (typeof step === "number" ? `[${step}]` : `${i === 0 ? "" : "."}${String(step)}`)).join("");
}

function valueAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (value, step) => (value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[step] : undefined),
    root,
  );
}

/** A value as an error may show it: numbers and booleans themselves, never a string (a URL may carry a password). */
function described(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return `is ${value}`;
  if (value === null) return "is null";
  if (value === "") return "is empty";
  if (Array.isArray(value)) return value.length === 0 ? "is empty" : "is an array";
  return typeof value === "object" ? "is an object" : `is a ${typeof value}`;
}

/** Edits (insert, delete, replace, swap two neighbours) that turn one name into the other: `prot` is 1 from `port`. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The setting a mistyped or misplaced key most likely meant: a close name beside it, or the same name elsewhere. */
function suggestionFor(path: Path, key: string): string | undefined {
  const distance = (name: string) => editDistance(key.toLowerCase(), name.toLowerCase());
  const closest = [...knownKeysAt(path)].sort((a, b) => distance(a) - distance(b))[0];
  if (closest !== undefined && distance(closest) <= Math.max(1, Math.floor(key.length / 4))) return pathText([...path, closest]);
  return settingsReference().find((setting) => setting.path.toLowerCase().endsWith(`.${key.toLowerCase()}`))?.path;
}

/** What is wrong at one path; for an unknown key, `meant` is the setting it most likely stands for. */
interface Problem {
  kind: "unknown" | "missing" | "wrong";
  path: string;
  text: string;
  meant?: string;
}

function unknownKeyProblem(path: Path, key: string): Problem {
  const meant = suggestionFor(path, key);
  const text = meant ? `unknown setting; did you mean ${meant}?` : `unknown setting (settings here: ${knownKeysAt(path).join(", ")})`;
  return { kind: "unknown", path: pathText([...path, key]), text, ...(meant && { meant }) };
}

/** The issues of the one branch of a union that fits the value's type (a string, an object), if one does. */
function fittingBranch(issue: Extract<Issue, { code: "invalid_union" }>): Issue[] | undefined {
  return issue.errors.find((branch) => !branch.some((inner) => inner.code === "invalid_type" && inner.path.length === 0));
}

function problemsOf(issue: Issue, root: unknown, prefix: Path = []): Problem[] {
  const path = [...prefix, ...issue.path];
  const value = valueAt(root, path);
  const node = settingAt(path);
  const at = (text: string, kind: Problem["kind"] = "wrong"): Problem[] => [
    { kind, path: pathText(path), text: `${text}${node ? `, expected ${typeOf(node)}` : ""}` },
  ];
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => unknownKeyProblem(path, key));
    case "invalid_union": {
      const branch = fittingBranch(issue);
      return branch ? branch.flatMap((inner) => problemsOf(inner, root, path)) : at(described(value));
    }
    case "invalid_type":
      return value === undefined ? at("missing", "missing") : at(described(value));
    case "too_small":
    case "too_big":
      return at(described(value));
    case "invalid_format":
      return at("has the wrong form");
    case "invalid_value":
      return at(`${JSON.stringify(value)} is not allowed`);
    default:
      return [{ kind: "wrong", path: pathText(path), text: issue.message }];
  }
}

/**
 * The problems of a config file, `path: what is wrong, expected what`, unknown settings first. A setting that is
 * missing because its key is misspelt is not reported twice: the unknown key names it.
 */
export function describeIssues(issues: readonly Issue[], root: unknown): string[] {
  const problems = issues.flatMap((issue) => problemsOf(issue, root));
  const meant = new Set(problems.map((problem) => problem.meant));
  const unknownFirst = [...problems.filter((p) => p.kind === "unknown"), ...problems.filter((p) => p.kind !== "unknown")];
  return unknownFirst.filter((p) => !(p.kind === "missing" && meant.has(p.path))).map((p) => `${p.path}: ${p.text}`);
}
