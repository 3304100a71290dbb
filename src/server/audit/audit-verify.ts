import { type KeyObject, createPublicKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { type ChainPosition, GENESIS_HASH, lineHash } from "./audit-entry.js";
import { auditKeyId, checkpointSignatureValid } from "./audit-signer.js";

export type AuditProblemKind = "unreadable" | "edited" | "missing" | "reordered" | "bad-signature";

/** The first thing wrong with a trail: where it is, and what. */
export interface AuditProblem {
  kind: AuditProblemKind;
  file: string;
  /** 1-based line in that file. */
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

interface Parsed extends ChainPosition {
  type?: string;
  keyId?: string;
  signature?: string;
}

interface ChainState {
  seq: number | null;
  hash: string;
  lastLine: { file: string; line: number; seq: number } | null;
}

/**
 * Checks files of one or more nodes' chains, each node's files in chain order: every line parses, follows its
 * node's previous line (`seq` one more, `prev` its SHA-256), and every checkpoint's signature is good. A chain
 * that starts after seq 1 (a file given alone) is taken from where it starts.
 */
export async function verifyAuditFiles(paths: readonly string[], publicKeyPem: string | null): Promise<AuditVerification> {
  const publicKey: KeyObject | null = publicKeyPem ? createPublicKey(publicKeyPem) : null;
  const keyId = publicKey && auditKeyId(publicKey);
  const result: AuditVerification = { entries: 0, checkpoints: 0, signaturesChecked: 0, unsignedTail: 0, problem: null };
  const chains = new Map<string, ChainState>();
  const fail = (kind: AuditProblemKind, file: string, line: number, seq: number | null, message: string): AuditVerification => ({
    ...result,
    problem: { kind, file: basename(file), line, seq, message },
  });
  for (const file of paths) {
    const lines = (await readFile(file, "utf8")).split("\n");
    if (lines.at(-1) === "") lines.pop();
    const entries = lines.map(parseLine);
    const seqsInFile = new Set(entries.flatMap((e) => (e ? [e.seq] : [])));
    for (const [i, entry] of entries.entries()) {
      const lineNo = i + 1;
      if (!entry) return fail("unreadable", file, lineNo, null, `line ${lineNo} is not an audit entry`);
      const chain = chains.get(entry.node) ?? { seq: null, hash: GENESIS_HASH, lastLine: null };
      chains.set(entry.node, chain);
      const expected = chain.seq === null ? null : chain.seq + 1;
      if (expected !== null && entry.seq !== expected) {
        if (entry.seq < expected || seqsInFile.has(expected)) {
          return fail("reordered", file, lineNo, entry.seq, `line ${lineNo} holds seq ${entry.seq} where seq ${expected} belongs`);
        }
        const gap = entry.seq - 1 === expected ? `seq ${expected} is` : `seq ${expected}–${entry.seq - 1} are`;
        return fail("missing", file, lineNo, entry.seq, `${gap} missing before line ${lineNo}`);
      }
      if (chain.seq === null ? entry.seq === 1 && entry.prev !== GENESIS_HASH : entry.prev !== chain.hash) {
        const last = chain.lastLine;
        if (!last) return fail("edited", file, lineNo, entry.seq, `line ${lineNo} (seq ${entry.seq}) does not start a chain`);
        return fail(
          "edited",
          last.file,
          last.line,
          last.seq,
          `line ${last.line} (seq ${last.seq}) of ${basename(last.file)} was changed: the next entry names another line as its prev`,
        );
      }
      if (entry.type === "checkpoint") {
        result.checkpoints += 1;
        if (publicKey) {
          const good = entry.keyId === keyId && checkpointSignatureValid(publicKey, entry, entry.signature ?? "");
          if (!good)
            return fail(
              "bad-signature",
              file,
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
      chain.lastLine = { file, line: lineNo, seq: entry.seq };
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
