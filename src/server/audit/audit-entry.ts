import { hash } from "node:crypto";

/** Who made a request, as far as the pipeline knew: a refused caller may be known only by its address. */
export interface AuditCaller {
  principalId: string | null;
  credentialId: string | null;
  /** `servicePrincipal` or `managedIdentity`; null until the caller is proven. */
  kind: string | null;
  sourceAddress: string;
  /**
   * HMAC-SHA256 (hex) of an identifier the caller sent but did not prove: the client id of a refused token
   * request, the `kh_cid` of a refused bearer token. Equal values match across entries; the value itself stays out.
   */
  claimedIdHmac?: string;
}

/**
 * What one request contributes to the trail. `request` is written (durably) before the handler runs, `outcome`
 * once the answer has been sent; a request refused before its handler has an outcome only.
 */
export interface AuditRecord {
  type: "request" | "outcome";
  requestId: string;
  /** Azure's `operationName` (`SecretGet`) and Keyhold's own name of the operation (`secrets/get`). */
  operationName: string;
  operation: string;
  vault: string | null;
  object: { name: string; version: string | null } | null;
  caller: AuditCaller;
  /** Outcome only: the HTTP status, Azure's (or OAuth's) error code, and milliseconds until the answer was sent. */
  result?: { status: number; errorCode: string | null; durationMs: number };
}

/** A signed statement that the chain up to `prev` is as written (audit-signer.ts). */
export interface AuditCheckpoint {
  type: "checkpoint";
  keyId: string;
  signature: string;
}

/** Where an entry sits in its node's chain: sequence number, and the SHA-256 of the line before it. */
export interface ChainPosition {
  node: string;
  seq: number;
  time: string;
  prev: string;
}

export type AuditEntry = ChainPosition & (AuditRecord | AuditCheckpoint);

/** The `prev` of a chain's first entry. */
export const GENESIS_HASH = "0".repeat(64);

/** The hash the next entry names as `prev`: SHA-256 of a line as written (UTF-8), without its newline. */
export const lineHash = (line: string): string => hash("sha256", line, "hex");

/** An entry as one line of JSON, its chain position first so that lines read and sort well. */
export function formatEntry(position: ChainPosition, body: AuditRecord | AuditCheckpoint): string {
  // The text of JSON.stringify({ seq, node, time, prev, ...body }), joined from two objects' JSON: spreading the body
  // into a literal that already has properties takes V8's slow path, and cost more than the JSON itself.
  const head = JSON.stringify({ seq: position.seq, node: position.node, time: position.time, prev: position.prev });
  return `${head.slice(0, -1)},${JSON.stringify(body).slice(1)}`;
}
