import { type KeyObject, createPublicKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { type ChainPosition, GENESIS_HASH, lineHash } from "./audit-entry.js";
import { auditKeyId, checkpointSignatureValid } from "./audit-signer.js";

export type AuditProblemKind = "unreadable" | "edited" | "missing" | "reordered" | "bad-signature";

/** The first thing wrong with a trail: where it is, and what. */
export interface AuditProblem {
  kind: AuditProblemKind;
  /** Where the line is: a file's name, or the table and the node (AuditLineRun). */
  source: string;
  /** 1-based line in that source. */
  line: number;
  seq: number | null;
  message: string;
}

export interface AuditVerification {
  entries: number;
  checkpoints: number;
  /** Checkpoints whose signature was checked (none without a public key). */
  signaturesChecked: number;
  /** Entries after the last checkpoint: intact as a chain, but no signature covers them yet. */
  unsignedTail: number;
  problem: AuditProblem | null;
}

/**
 * Consecutive lines of the trail, as they are stored: a file, or a page of one node's rows in the table. Each
 * node's runs come in chain order; runs of several nodes may be mixed.
 */
export interface AuditLineRun {
  /** Where the lines are, as a problem names it. */
  source: string;
  /** The number of the run's first line in its source: 1, or further on for a later page of rows. */
  firstLine: number;
  /** The lines, without their newlines. */
  lines: readonly string[];
}

interface Parsed extends ChainPosition {
  type?: string;
  keyId?: string;
  signature?: string;
}

interface ChainState {
  seq: number | null;
  hash: string;
  lastLine: { source: string; line: number; seq: number } | null;
}

/** Each file as one run, read when its turn comes. */
async function* fileRuns(paths: readonly string[]): AsyncGenerator<AuditLineRun> {
  for (const path of paths) {
    const lines = (await readFile(path, "utf8")).split("\n");
    if (lines.at(-1) === "") lines.pop();
    yield { source: basename(path), firstLine: 1, lines };
  }
}

/** Checks audit files, each node's in chain order (verifyAuditLines). */
export function verifyAuditFiles(paths: readonly string[], publicKeyPem: string | null): Promise<AuditVerification> {
  return verifyAuditLines(fileRuns(paths), publicKeyPem);
}

/**
 * Checks one or more nodes' chains, whatever holds them: every line parses, follows its node's previous line
 * (`seq` one more, `prev` its SHA-256), and every checkpoint's signature is good. A chain that starts after
 * seq 1 (a file given alone) is taken from where it starts.
 */
export async function verifyAuditLines(
  runs: AsyncIterable<AuditLineRun> | Iterable<AuditLineRun>,
  publicKeyPem: string | null,
): Promise<AuditVerification> {
  const publicKey: KeyObject | null = publicKeyPem ? createPublicKey(publicKeyPem) : null;
  const keyId = publicKey && auditKeyId(publicKey);
  const result: AuditVerification = { entries: 0, checkpoints: 0, signaturesChecked: 0, unsignedTail: 0, problem: null };
  const chains = new Map<string, ChainState>();
  const fail = (kind: AuditProblemKind, source: string, line: number, seq: number | null, message: string): AuditVerification => ({
    ...result,
    problem: { kind, source, line, seq, message },
  });
  for await (const { source, firstLine, lines } of runs) {
    const entries = lines.map(parseLine);
    const seqsInRun = new Set(entries.flatMap((e) => (e ? [e.seq] : [])));
    for (const [i, entry] of entries.entries()) {
      const lineNo = firstLine + i;
      if (!entry) return fail("unreadable", source, lineNo, null, `line ${lineNo} is not an audit entry`);
      const chain = chains.get(entry.node) ?? { seq: null, hash: GENESIS_HASH, lastLine: null };
      chains.set(entry.node, chain);
      const expected = chain.seq === null ? null : chain.seq + 1;
      if (expected !== null && entry.seq !== expected) {
        if (entry.seq < expected || seqsInRun.has(expected)) {
          return fail("reordered", source, lineNo, entry.seq, `line ${lineNo} holds seq ${entry.seq} where seq ${expected} belongs`);
        }
        const gap = entry.seq - 1 === expected ? `seq ${expected} is` : `seq ${expected}–${entry.seq - 1} are`;
        return fail("missing", source, lineNo, entry.seq, `${gap} missing before line ${lineNo}`);
      }
      if (chain.seq === null ? entry.seq === 1 && entry.prev !== GENESIS_HASH : entry.prev !== chain.hash) {
        const last = chain.lastLine;
        if (!last) return fail("edited", source, lineNo, entry.seq, `line ${lineNo} (seq ${entry.seq}) does not start a chain`);
        return fail(
          "edited",
          last.source,
          last.line,
          last.seq,
          `line ${last.line} (seq ${last.seq}) of ${last.source} was changed: the next entry names another line as its prev`,
        );
      }
      if (entry.type === "checkpoint") {
        result.checkpoints += 1;
        if (publicKey) {
          const good = entry.keyId === keyId && checkpointSignatureValid(publicKey, entry, entry.signature ?? "");
          if (!good)
            return fail(
              "bad-signature",
              source,
              lineNo,
              entry.seq,
              `the checkpoint on line ${lineNo} (seq ${entry.seq}) is not signed by the audit key`,
            );
          result.signaturesChecked += 1;
        }
        result.unsignedTail = 0;
      } else {
        result.unsignedTail += 1;
      }
      result.entries += 1;
      chain.seq = entry.seq;
      chain.hash = lineHash(lines[i]!);
      chain.lastLine = { source, line: lineNo, seq: entry.seq };
    }
  }
  return result;
}

function parseLine(line: string): Parsed | null {
  try {
    const value = JSON.parse(line) as Partial<Parsed> | null;
    const valid =
      value !== null &&
      typeof value === "object" &&
      Number.isSafeInteger(value.seq) &&
      typeof value.node === "string" &&
      typeof value.time === "string" &&
      typeof value.prev === "string";
    return valid ? (value as Parsed) : null;
  } catch {
    return null;
  }
}
