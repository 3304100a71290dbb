import { readdir } from "node:fs/promises";
import { join } from "node:path";

/** One file of a node's chain: `audit-<node>-<index>.jsonl`, the index zero-padded so names sort in order. */
export interface AuditFile {
  node: string;
  index: number;
  path: string;
}

const FILE_NAME = /^audit-(.+)-(\d{6,})\.jsonl$/;

export const auditFileName = (node: string, index: number): string => `audit-${node}-${String(index).padStart(6, "0")}.jsonl`;

/** A node id as it may appear in a file name: letters, digits, dot, underscore and hyphen. */
export const safeNodeId = (node: string): string => node.replace(/[^A-Za-z0-9._-]/g, "_") || "node";

/** Every audit file in a directory, by node and then in chain order; none when the directory does not exist. */
export async function auditFilesIn(dir: string): Promise<AuditFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .flatMap((name) => {
      const match = FILE_NAME.exec(name);
      return match ? [{ node: match[1]!, index: Number(match[2]), path: join(dir, name) }] : [];
    })
    .sort((a, b) => (a.node === b.node ? a.index - b.index : a.node < b.node ? -1 : 1));
}
