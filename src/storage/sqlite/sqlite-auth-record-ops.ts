import type { AuthRecord, AuthRecordKind } from "../records.js";
import { type Row, toAuthRecord } from "../row-mappers.js";
import { SqliteBase } from "./sqlite-base.js";

const COLUMNS = "kind, id, principal_id, session_id, lookup, body, revision, expires_at";

/**
 * The sign-in flows' records (docs/sign-in-state.md). Never cached: each read is of a record about to be used once,
 * and a stale one would let a code be redeemed twice. Writes are serialised by the one writer connection, so a
 * statement's row count says which of several racing calls changed the row.
 */
export abstract class SqliteAuthRecordOps extends SqliteBase {
  /** DO NOTHING without a target covers both unique keys, (kind, id) and (kind, lookup); a missing principal still throws. */
  createAuthRecord(r: AuthRecord): Promise<boolean> {
    return this.write(
      () =>
        this.writer
          .get(`INSERT INTO auth_records (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
          .run(r.kind, r.id, r.principalId, r.sessionId, r.lookup, r.body, r.revision, r.expiresAt).changes === 1,
    );
  }

  async getAuthRecord(kind: AuthRecordKind, id: string): Promise<AuthRecord | undefined> {
    const row = this.read.get(`SELECT ${COLUMNS} FROM auth_records WHERE kind = ? AND id = ?`).get(kind, id) as Row | undefined;
    return row ? toAuthRecord(row) : undefined;
  }

  async findAuthRecord(kind: AuthRecordKind, lookup: string): Promise<AuthRecord | undefined> {
    const row = this.read.get(`SELECT ${COLUMNS} FROM auth_records WHERE kind = ? AND lookup = ?`).get(kind, lookup) as Row | undefined;
    return row ? toAuthRecord(row) : undefined;
  }

  replaceAuthRecord(r: AuthRecord, expectedRevision: number): Promise<boolean> {
    return this.write(
      () =>
        this.writer
          .get(
            `UPDATE auth_records SET principal_id = ?, session_id = ?, body = ?, expires_at = ?, revision = ?
             WHERE kind = ? AND id = ? AND revision = ?`,
          )
          .run(r.principalId, r.sessionId, r.body, r.expiresAt, expectedRevision + 1, r.kind, r.id, expectedRevision).changes === 1,
    );
  }

  deleteAuthRecord(kind: AuthRecordKind, id: string): Promise<boolean> {
    return this.write(() => this.writer.get("DELETE FROM auth_records WHERE kind = ? AND id = ?").run(kind, id).changes === 1);
  }

  endSignInSession(sessionId: string): Promise<number> {
    return this.write(
      () =>
        this.writer.get("DELETE FROM auth_records WHERE (kind = 'session' AND id = ?) OR session_id = ?").run(sessionId, sessionId).changes,
    );
  }

  deleteExpiredAuthRecords(now: number): Promise<number> {
    return this.write(() => this.writer.get("DELETE FROM auth_records WHERE expires_at <= ?").run(now).changes);
  }
}
