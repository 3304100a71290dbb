import type { AuthRecord, AuthRecordKind } from "../records.js";
import { toAuthRecord } from "../row-mappers.js";
import { PgBase, key } from "./pg-base.js";

const COLUMNS = "kind, id, principal_id, session_id, lookup, body, revision, expires_at";

/** The principal's key, by which the row refers to it (as every reference to a principal), or null. */
const principalKey = (id: string | null): string | null => (id === null ? null : key(id));

/**
 * The sign-in flows' records (docs/sign-in-state.md). Never cached: each read is of a record about to be used once,
 * and a stale one would let a code be redeemed twice. Each write is one statement, whose row count says which of
 * several racing calls changed the row, on any node: a second UPDATE or DELETE of a row waits for the first and then
 * finds it changed or gone (READ COMMITTED re-checks its WHERE against the row the first left).
 */
export abstract class PgAuthRecordOps extends PgBase {
  /** DO NOTHING without a target covers both unique keys, (kind, id) and (kind, lookup); a missing principal still throws. */
  async createAuthRecord(r: AuthRecord): Promise<boolean> {
    return (
      (await this.changed(
        `INSERT INTO auth_records (principal_key, ${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        [principalKey(r.principalId), r.kind, r.id, r.principalId, r.sessionId, r.lookup, r.body, r.revision, r.expiresAt],
      )) === 1
    );
  }

  async getAuthRecord(kind: AuthRecordKind, id: string): Promise<AuthRecord | undefined> {
    const row = await this.one(`SELECT ${COLUMNS} FROM auth_records WHERE kind = $1 AND id = $2`, [kind, id]);
    return row ? toAuthRecord(row) : undefined;
  }

  async findAuthRecord(kind: AuthRecordKind, lookup: string): Promise<AuthRecord | undefined> {
    const row = await this.one(`SELECT ${COLUMNS} FROM auth_records WHERE kind = $1 AND lookup = $2`, [kind, lookup]);
    return row ? toAuthRecord(row) : undefined;
  }

  async replaceAuthRecord(r: AuthRecord, expectedRevision: number): Promise<boolean> {
    return (
      (await this.changed(
        `UPDATE auth_records SET principal_key = $1, principal_id = $2, session_id = $3, body = $4, expires_at = $5, revision = $6
         WHERE kind = $7 AND id = $8 AND revision = $9`,
        [
          principalKey(r.principalId),
          r.principalId,
          r.sessionId,
          r.body,
          r.expiresAt,
          expectedRevision + 1,
          r.kind,
          r.id,
          expectedRevision,
        ],
      )) === 1
    );
  }

  async deleteAuthRecord(kind: AuthRecordKind, id: string): Promise<boolean> {
    return (await this.changed("DELETE FROM auth_records WHERE kind = $1 AND id = $2", [kind, id])) === 1;
  }

  async endSignInSession(sessionId: string): Promise<number> {
    return this.changed("DELETE FROM auth_records WHERE (kind = 'session' AND id = $1) OR session_id = $1", [sessionId]);
  }

  async deleteExpiredAuthRecords(now: number): Promise<number> {
    return this.changed("DELETE FROM auth_records WHERE expires_at <= $1", [now]);
  }
}
