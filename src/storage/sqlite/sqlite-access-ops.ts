import type { AccessPolicyRecord, CredentialRecord, PrincipalRecord, RoleAssignmentRecord, RoleDefinitionRecord } from "../records.js";
import { type Row, toAssignment, toCredential, toPolicy, toPrincipal, toRole } from "../row-mappers.js";
import { UserNameTakenError } from "../user-name-taken.js";
import { SqliteAuthRecordOps } from "./sqlite-auth-record-ops.js";

/** SQLite's refusal of a second user with the same name (in any case): the user name index's unique constraint. */
function isUserNameConflict(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === "SQLITE_CONSTRAINT_UNIQUE" && /\bprincipals\.user_name\b/.test(e.message ?? "");
}

/** Principals, their credentials, and who may do what: access policies, role assignments, custom roles. */
export abstract class SqliteAccessOps extends SqliteAuthRecordOps {
  createPrincipal(p: PrincipalRecord): Promise<void> {
    return this.write(() => {
      try {
        this.writer
          .get("INSERT INTO principals (id, kind, display_name, user_name, created_at) VALUES (?, ?, ?, ?, ?)")
          .run(p.id, p.kind, p.displayName, p.userName, p.createdAt);
      } catch (error) {
        if (p.userName !== null && isUserNameConflict(error)) throw new UserNameTakenError(p.userName);
        throw error;
      }
    });
  }

  async getPrincipal(id: string): Promise<PrincipalRecord | undefined> {
    const row = this.read.get("SELECT * FROM principals WHERE id = ?").get(id) as Row | undefined;
    return row ? toPrincipal(row) : undefined;
  }

  /** The column's NOCASE collation makes the comparison case-insensitive, and the unique index serves it. */
  async getUserByName(userName: string): Promise<PrincipalRecord | undefined> {
    const row = this.read.get("SELECT * FROM principals WHERE user_name = ? AND kind = 'user'").get(userName) as Row | undefined;
    return row ? toPrincipal(row) : undefined;
  }

  async listPrincipals(): Promise<PrincipalRecord[]> {
    return (this.read.get("SELECT * FROM principals ORDER BY created_at, id").all() as Row[]).map(toPrincipal);
  }

  deletePrincipal(id: string): Promise<boolean> {
    return this.write(() => this.writer.get("DELETE FROM principals WHERE id = ?").run(id).changes === 1);
  }

  addCredential(c: CredentialRecord): Promise<void> {
    return this.write(() => {
      this.writer
        .get("INSERT INTO credentials (id, principal_id, kind, hash, certificate, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(c.id, c.principalId, c.kind, c.hash, c.certificate, c.createdAt, c.expiresAt);
    });
  }

  async getCredential(principalId: string, credentialId: string): Promise<CredentialRecord | undefined> {
    return this.cached(`credential\0${principalId.toLowerCase()}\0${credentialId}`, () => {
      const row = this.read.get("SELECT * FROM credentials WHERE principal_id = ? AND id = ?").get(principalId, credentialId) as
        Row | undefined;
      return row ? toCredential(row) : undefined;
    });
  }

  async listCredentials(principalId: string): Promise<CredentialRecord[]> {
    return (this.read.get("SELECT * FROM credentials WHERE principal_id = ? ORDER BY created_at, id").all(principalId) as Row[]).map(
      toCredential,
    );
  }

  deleteCredential(principalId: string, credentialId: string): Promise<boolean> {
    return this.write(
      () => this.writer.get("DELETE FROM credentials WHERE principal_id = ? AND id = ?").run(principalId, credentialId).changes === 1,
    );
  }

  async getAccessPolicy(vault: string, principalId: string): Promise<AccessPolicyRecord | undefined> {
    return this.cached(`policy\0${vault.toLowerCase()}\0${principalId.toLowerCase()}`, () => {
      const row = this.read.get("SELECT * FROM access_policies WHERE vault = ? AND principal_id = ?").get(vault, principalId) as
        Row | undefined;
      return row ? toPolicy(row) : undefined;
    });
  }

  setAccessPolicy(p: AccessPolicyRecord): Promise<void> {
    return this.write(() => {
      this.writer
        .get(
          `INSERT INTO access_policies (vault, principal_id, permissions, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (vault, principal_id) DO UPDATE SET permissions = excluded.permissions, updated_at = excluded.updated_at`,
        )
        .run(p.vault, p.principalId, JSON.stringify(p.permissions), p.updatedAt);
    });
  }

  deleteAccessPolicy(vault: string, principalId: string): Promise<boolean> {
    return this.write(
      () => this.writer.get("DELETE FROM access_policies WHERE vault = ? AND principal_id = ?").run(vault, principalId).changes === 1,
    );
  }

  async listAccessPolicies(vault: string): Promise<AccessPolicyRecord[]> {
    return (this.read.get("SELECT * FROM access_policies WHERE vault = ? ORDER BY updated_at, principal_id").all(vault) as Row[]).map(
      toPolicy,
    );
  }

  createRoleAssignment(a: RoleAssignmentRecord): Promise<boolean> {
    const vault = /^\/vaults\/([^/]+)/i.exec(a.scope)?.[1] ?? null;
    return this.write(
      () =>
        this.writer
          .get(
            `INSERT INTO role_assignments (id, principal_id, role_definition_id, scope, vault, created_at, created_by)
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          )
          .run(a.id, a.principalId, a.roleDefinitionId, a.scope, vault, a.createdAt, a.createdBy).changes === 1,
    );
  }

  async getRoleAssignment(id: string): Promise<RoleAssignmentRecord | undefined> {
    const row = this.read.get("SELECT * FROM role_assignments WHERE id = ?").get(id) as Row | undefined;
    return row ? toAssignment(row) : undefined;
  }

  deleteRoleAssignment(id: string): Promise<boolean> {
    return this.write(() => this.writer.get("DELETE FROM role_assignments WHERE id = ?").run(id).changes === 1);
  }

  async listRoleAssignments(principalId?: string): Promise<RoleAssignmentRecord[]> {
    if (principalId === undefined) {
      return (this.read.get("SELECT * FROM role_assignments ORDER BY created_at, id").all() as Row[]).map(toAssignment);
    }
    return this.cached(`assignments\0${principalId.toLowerCase()}`, () =>
      (this.read.get("SELECT * FROM role_assignments WHERE principal_id = ? ORDER BY created_at, id").all(principalId) as Row[]).map(
        toAssignment,
      ),
    );
  }

  async listRoleAssignmentsInVault(principalId: string, vault: string): Promise<RoleAssignmentRecord[]> {
    return this.cached(`assignments\0${principalId.toLowerCase()}\0${vault.toLowerCase()}`, () =>
      (
        this.read
          .get("SELECT * FROM role_assignments WHERE principal_id = ? AND (vault IS NULL OR vault = ?) ORDER BY created_at, id")
          .all(principalId, vault) as Row[]
      ).map(toAssignment),
    );
  }

  putRoleDefinition(r: RoleDefinitionRecord): Promise<void> {
    return this.write(() => {
      this.writer
        .get(
          `INSERT INTO role_definitions (id, role_name, description, permissions, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET role_name = excluded.role_name, description = excluded.description, permissions = excluded.permissions`,
        )
        .run(r.id, r.roleName, r.description, JSON.stringify(r.permissions), r.createdAt);
    });
  }

  async getRoleDefinition(id: string): Promise<RoleDefinitionRecord | undefined> {
    return this.cached(`role\0${id.toLowerCase()}`, () => {
      const row = this.read.get("SELECT * FROM role_definitions WHERE id = ?").get(id) as Row | undefined;
      return row ? toRole(row) : undefined;
    });
  }

  async listRoleDefinitions(): Promise<RoleDefinitionRecord[]> {
    return (this.read.get("SELECT * FROM role_definitions ORDER BY role_name, id").all() as Row[]).map(toRole);
  }

  deleteRoleDefinition(id: string): Promise<boolean> {
    return this.write(() => this.writer.get("DELETE FROM role_definitions WHERE id = ?").run(id).changes === 1);
  }
}
