import type { AccessPolicyRecord, CredentialRecord, PrincipalRecord, RoleAssignmentRecord, RoleDefinitionRecord } from "../records.js";
import { toAssignment, toCredential, toPolicy, toPrincipal, toRole } from "../row-mappers.js";
import { UserNameTakenError } from "../user-name-taken.js";
import { key } from "./pg-base.js";
import { PgAuthRecordOps } from "./pg-auth-record-ops.js";

/** PostgreSQL's unique_violation on the user name index: a second user with the same name, in any case. */
function isUserNameConflict(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string };
  return e.code === "23505" && e.constraint === "principals_user_name";
}

/** Principals, their credentials, access policies, role assignments and custom roles, in PostgreSQL. */
export abstract class PgAccessOps extends PgAuthRecordOps {
  async createPrincipal(p: PrincipalRecord): Promise<void> {
    try {
      await this.target.query(
        "INSERT INTO principals (id_key, id, kind, display_name, user_name, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        [key(p.id), p.id, p.kind, p.displayName, p.userName, p.createdAt],
      );
    } catch (error) {
      if (p.userName !== null && isUserNameConflict(error)) throw new UserNameTakenError(p.userName);
      throw error;
    }
  }

  async getPrincipal(id: string): Promise<PrincipalRecord | undefined> {
    const row = await this.one("SELECT * FROM principals WHERE id_key = $1", [key(id)]);
    return row ? toPrincipal(row) : undefined;
  }

  /** lower() on both sides, as the unique index on lower(user_name) is made, so the two always agree. */
  async getUserByName(userName: string): Promise<PrincipalRecord | undefined> {
    const row = await this.one("SELECT * FROM principals WHERE lower(user_name) = lower($1) AND kind = 'user'", [userName]);
    return row ? toPrincipal(row) : undefined;
  }

  async listPrincipals(): Promise<PrincipalRecord[]> {
    return (await this.all('SELECT * FROM principals ORDER BY created_at, id_key COLLATE "C"')).map(toPrincipal);
  }

  async deletePrincipal(id: string): Promise<boolean> {
    return (await this.changed("DELETE FROM principals WHERE id_key = $1", [key(id)])) === 1;
  }

  async addCredential(c: CredentialRecord): Promise<void> {
    await this.target.query(
      "INSERT INTO credentials (id, principal_key, principal_id, kind, hash, certificate, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      [c.id, key(c.principalId), c.principalId, c.kind, c.hash, c.certificate, c.createdAt, c.expiresAt],
    );
  }

  getCredential(principalId: string, credentialId: string): Promise<CredentialRecord | undefined> {
    return this.cached(`credential\0${key(principalId)}\0${credentialId}`, async () => {
      const row = await this.one("SELECT * FROM credentials WHERE principal_key = $1 AND id = $2", [key(principalId), credentialId]);
      return row ? toCredential(row) : undefined;
    });
  }

  async listCredentials(principalId: string): Promise<CredentialRecord[]> {
    return (
      await this.all('SELECT * FROM credentials WHERE principal_key = $1 ORDER BY created_at, id COLLATE "C"', [key(principalId)])
    ).map(toCredential);
  }

  async deleteCredential(principalId: string, credentialId: string): Promise<boolean> {
    return (await this.changed("DELETE FROM credentials WHERE principal_key = $1 AND id = $2", [key(principalId), credentialId])) === 1;
  }

  getAccessPolicy(vault: string, principalId: string): Promise<AccessPolicyRecord | undefined> {
    return this.cached(`policy\0${key(vault)}\0${key(principalId)}`, async () => {
      const row = await this.one("SELECT * FROM access_policies WHERE vault_key = $1 AND principal_key = $2", [
        key(vault),
        key(principalId),
      ]);
      return row ? toPolicy(row) : undefined;
    });
  }

  async setAccessPolicy(p: AccessPolicyRecord): Promise<void> {
    await this.target.query(
      `INSERT INTO access_policies (vault_key, principal_key, vault, principal_id, permissions, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (vault_key, principal_key) DO UPDATE SET permissions = excluded.permissions, updated_at = excluded.updated_at`,
      [key(p.vault), key(p.principalId), p.vault, p.principalId, JSON.stringify(p.permissions), p.updatedAt],
    );
  }

  async deleteAccessPolicy(vault: string, principalId: string): Promise<boolean> {
    return (
      (await this.changed("DELETE FROM access_policies WHERE vault_key = $1 AND principal_key = $2", [key(vault), key(principalId)])) === 1
    );
  }

  async listAccessPolicies(vault: string): Promise<AccessPolicyRecord[]> {
    return (
      await this.all('SELECT * FROM access_policies WHERE vault_key = $1 ORDER BY updated_at, principal_key COLLATE "C"', [key(vault)])
    ).map(toPolicy);
  }

  async createRoleAssignment(a: RoleAssignmentRecord): Promise<boolean> {
    const vault = /^\/vaults\/([^/]+)/i.exec(a.scope)?.[1] ?? null;
    return (
      (await this.changed(
        `INSERT INTO role_assignments (id_key, id, principal_key, principal_id, role_definition_key, role_definition_id, scope_key, scope, vault_key, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
        [
          key(a.id),
          a.id,
          key(a.principalId),
          a.principalId,
          key(a.roleDefinitionId),
          a.roleDefinitionId,
          key(a.scope),
          a.scope,
          vault && key(vault),
          a.createdAt,
          a.createdBy,
        ],
      )) === 1
    );
  }

  async getRoleAssignment(id: string): Promise<RoleAssignmentRecord | undefined> {
    const row = await this.one("SELECT * FROM role_assignments WHERE id_key = $1", [key(id)]);
    return row ? toAssignment(row) : undefined;
  }

  async deleteRoleAssignment(id: string): Promise<boolean> {
    return (await this.changed("DELETE FROM role_assignments WHERE id_key = $1", [key(id)])) === 1;
  }

  async listRoleAssignments(principalId?: string): Promise<RoleAssignmentRecord[]> {
    if (principalId === undefined)
      return (await this.all('SELECT * FROM role_assignments ORDER BY created_at, id_key COLLATE "C"')).map(toAssignment);
    return this.cached(`assignments\0${key(principalId)}`, async () =>
      (
        await this.all('SELECT * FROM role_assignments WHERE principal_key = $1 ORDER BY created_at, id_key COLLATE "C"', [
          key(principalId),
        ])
      ).map(toAssignment),
    );
  }

  async listRoleAssignmentsInVault(principalId: string, vault: string): Promise<RoleAssignmentRecord[]> {
    return this.cached(`assignments\0${key(principalId)}\0${key(vault)}`, async () =>
      (
        await this.all(
          `SELECT * FROM role_assignments WHERE principal_key = $1 AND (vault_key IS NULL OR vault_key = $2)
           ORDER BY created_at, id_key COLLATE "C"`,
          [key(principalId), key(vault)],
        )
      ).map(toAssignment),
    );
  }

  async putRoleDefinition(r: RoleDefinitionRecord): Promise<void> {
    await this.target.query(
      `INSERT INTO role_definitions (id_key, id, role_name, description, permissions, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id_key) DO UPDATE SET role_name = excluded.role_name, description = excluded.description, permissions = excluded.permissions`,
      [key(r.id), r.id, r.roleName, r.description, JSON.stringify(r.permissions), r.createdAt],
    );
  }

  getRoleDefinition(id: string): Promise<RoleDefinitionRecord | undefined> {
    return this.cached(`role\0${key(id)}`, async () => {
      const row = await this.one("SELECT * FROM role_definitions WHERE id_key = $1", [key(id)]);
      return row ? toRole(row) : undefined;
    });
  }

  async listRoleDefinitions(): Promise<RoleDefinitionRecord[]> {
    return (await this.all('SELECT * FROM role_definitions ORDER BY role_name COLLATE "C", id_key COLLATE "C"')).map(toRole);
  }

  async deleteRoleDefinition(id: string): Promise<boolean> {
    return (await this.changed("DELETE FROM role_definitions WHERE id_key = $1", [key(id)])) === 1;
  }
}
