import { randomUUID } from "node:crypto";
import type { VerifiedCaller } from "../identity/token-verifier.js";
import type {
  AccessPolicyRecord,
  PermissionCategory,
  RoleAssignmentRecord,
  RoleDefinitionRecord,
  RolePermissions,
  VaultRecord,
} from "../storage/records.js";
import type { Store, StoreOps } from "../storage/store.js";
import { KeyVaultError, badParameter, conflict, forbidden, notFound, vaultNotFound } from "../errors/key-vault-error.js";
import { type Decision, type HeldRole, type Operation, authorize, authorizeManagement } from "./authorize.js";
import { BUILT_IN_ROLES, KEY_VAULT_ADMINISTRATOR, builtInRole, builtInRoleByName } from "./built-in-roles.js";
import { PERMISSION_CATEGORIES, allPermissions, canonicalPermissions } from "./permissions.js";
import { canonicalScope, parseScope, vaultScope } from "./scope.js";

type AccessStore = Pick<
  Store,
  | "transaction"
  | "getVault"
  | "getPrincipal"
  | "getAccessPolicy"
  | "setAccessPolicy"
  | "deleteAccessPolicy"
  | "listAccessPolicies"
  | "createRoleAssignment"
  | "getRoleAssignment"
  | "deleteRoleAssignment"
  | "listRoleAssignments"
  | "listRoleAssignmentsInVault"
  | "putRoleDefinition"
  | "getRoleDefinition"
  | "listRoleDefinitions"
  | "deleteRoleDefinition"
>;

export interface NewRoleAssignment {
  principalId: string;
  /** A role's name or id (built-in or custom). */
  role: string;
  scope: string;
}

const principalNotFound = (id: string) =>
  new KeyVaultError(400, "PrincipalNotFound", `Principal '${id}' does not exist on this Keyhold server.`);
const roleNotFound = (role: string) =>
  new KeyVaultError(400, "RoleDefinitionDoesNotExist", `The role definition '${role}' does not exist.`);

/** Gives the creator of a vault full rights on it, in the vault's own permission model, inside `tx`. */
export async function grantCreator(tx: StoreOps, vault: VaultRecord, principalId: string, now: number): Promise<void> {
  if (vault.enableRbacAuthorization) {
    await tx.createRoleAssignment({
      id: randomUUID(),
      principalId,
      roleDefinitionId: KEY_VAULT_ADMINISTRATOR,
      scope: vaultScope(vault.name),
      createdAt: now,
      createdBy: principalId,
    });
  } else {
    await tx.setAccessPolicy({ vault: vault.name, principalId, permissions: allPermissions(), updatedAt: now });
  }
}

/**
 * Who may do what: decides every request (with authorize.ts) from the caller's grants as the store holds them
 * now, and manages access policies, role assignments and custom roles.
 */
export class AccessControl {
  constructor(
    private readonly store: AccessStore,
    private readonly now: () => number,
  ) {}

  async check(caller: VerifiedCaller, vault: VaultRecord, operation: Operation, objectName: string | null): Promise<Decision> {
    if (vault.enableRbacAuthorization)
      return authorize(vault, operation, objectName, { policy: undefined, roles: await this.#heldIn(caller.principalId, vault.name) });
    return authorize(vault, operation, objectName, { policy: await this.store.getAccessPolicy(vault.name, caller.principalId), roles: [] });
  }

  async checkManagement(caller: VerifiedCaller, action: string): Promise<Decision> {
    return authorizeManagement(action, await this.#held(caller.principalId));
  }

  /** Refuses with 403 unless the caller may perform the management action. */
  async requireManagement(caller: VerifiedCaller, action: string): Promise<void> {
    const decision = await this.checkManagement(caller, action);
    if (!decision.allowed) throw forbidden(decision.reason, decision.innerCode);
  }

  /**
   * Whether the principal may do anything at all in the vault's data plane: a role with data actions that applies
   * in it (RBAC), or an access policy granting some permission. What the console lists a user's vaults by.
   */
  async holdsDataRights(principalId: string, vault: VaultRecord): Promise<boolean> {
    if (vault.enableRbacAuthorization) {
      return (await this.#heldIn(principalId, vault.name)).some(({ role }) => role.permissions.dataActions.length > 0);
    }
    const policy = await this.store.getAccessPolicy(vault.name, principalId);
    return policy !== undefined && Object.values(policy.permissions).some((granted) => granted.length > 0);
  }

  /** The roles the principal holds anywhere (management actions). */
  async #held(principalId: string): Promise<HeldRole[]> {
    return this.#withRoles(await this.store.listRoleAssignments(principalId));
  }

  /** Only the roles that can apply in one vault: at `/`, at the vault, or at one of its objects. */
  async #heldIn(principalId: string, vault: string): Promise<HeldRole[]> {
    return this.#withRoles(await this.store.listRoleAssignmentsInVault(principalId, vault));
  }

  async #withRoles(assignments: readonly RoleAssignmentRecord[]): Promise<HeldRole[]> {
    const held: HeldRole[] = [];
    for (const assignment of assignments) {
      const role = builtInRole(assignment.roleDefinitionId) ?? (await this.store.getRoleDefinition(assignment.roleDefinitionId));
      if (role) held.push({ assignment, role });
    }
    return held;
  }

  // Access policies -------------------------------------------------------------------------------------

  async setPolicy(
    vaultName: string,
    principalId: string,
    requested: Partial<Record<PermissionCategory, string[]>>,
  ): Promise<AccessPolicyRecord> {
    const vault = await this.#vault(vaultName);
    await this.#principal(principalId);
    const permissions = {} as Record<PermissionCategory, string[]>;
    for (const category of PERMISSION_CATEGORIES) {
      const result = canonicalPermissions(category, requested[category] ?? []);
      if ("unknown" in result) throw badParameter(`'${result.unknown}' is not a ${category} permission.`);
      permissions[category] = result.permissions;
    }
    const policy: AccessPolicyRecord = { vault: vault.name, principalId: principalId.toLowerCase(), permissions, updatedAt: this.now() };
    await this.store.setAccessPolicy(policy);
    return policy;
  }

  async deletePolicy(vaultName: string, principalId: string): Promise<void> {
    const vault = await this.#vault(vaultName);
    if (!(await this.store.deleteAccessPolicy(vault.name, principalId))) {
      throw notFound("AccessPolicyNotFound", `The vault '${vault.name}' has no access policy for '${principalId}'.`);
    }
  }

  async listPolicies(vaultName: string): Promise<AccessPolicyRecord[]> {
    return this.store.listAccessPolicies((await this.#vault(vaultName)).name);
  }

  // Role assignments ------------------------------------------------------------------------------------

  async createAssignment(input: NewRoleAssignment, createdBy: string): Promise<RoleAssignmentRecord> {
    const scope = canonicalScope(input.scope);
    if (scope === null)
      throw badParameter(`'${input.scope}' is not a scope: use '/', '/vaults/NAME' or '/vaults/NAME/{secrets|keys|certificates}/OBJECT'.`);
    const role = await this.role(input.role);
    const vault = parseScope(scope)?.vault;
    if (vault && !(await this.store.getVault(vault))) throw vaultNotFound(vault);
    await this.#principal(input.principalId);
    const assignment: RoleAssignmentRecord = {
      id: randomUUID(),
      principalId: input.principalId.toLowerCase(),
      roleDefinitionId: role.id,
      scope,
      createdAt: this.now(),
      createdBy,
    };
    if (!(await this.store.createRoleAssignment(assignment))) {
      throw new KeyVaultError(409, "RoleAssignmentExists", "The role assignment already exists.");
    }
    return assignment;
  }

  /** As createAssignment, but an assignment that exists already is no error. */
  async ensureAssignment(input: NewRoleAssignment, createdBy: string): Promise<void> {
    try {
      await this.createAssignment(input, createdBy);
    } catch (error) {
      if (!(error instanceof KeyVaultError && error.code === "RoleAssignmentExists")) throw error;
    }
  }

  async deleteAssignment(id: string): Promise<RoleAssignmentRecord> {
    const assignment = await this.store.getRoleAssignment(id);
    if (!assignment || !(await this.store.deleteRoleAssignment(id)))
      throw notFound("RoleAssignmentNotFound", `The role assignment '${id}' is not found.`);
    return assignment;
  }

  listAssignments(principalId?: string): Promise<RoleAssignmentRecord[]> {
    return this.store.listRoleAssignments(principalId);
  }

  // Role definitions ------------------------------------------------------------------------------------

  /** A role by name or id: the built-in ones first, then custom roles. */
  async role(nameOrId: string): Promise<RoleDefinitionRecord> {
    const builtIn = builtInRoleByName(nameOrId);
    if (builtIn) return builtIn;
    const custom =
      (await this.store.getRoleDefinition(nameOrId)) ??
      (await this.store.listRoleDefinitions()).find((r) => r.roleName.toLowerCase() === nameOrId.toLowerCase());
    if (!custom) throw roleNotFound(nameOrId);
    return custom;
  }

  async listRoles(): Promise<RoleDefinitionRecord[]> {
    return [...BUILT_IN_ROLES, ...(await this.store.listRoleDefinitions())];
  }

  async createRole(roleName: string, description: string, permissions: RolePermissions): Promise<RoleDefinitionRecord> {
    if (!roleName.trim()) throw badParameter("A role needs a name.");
    if (
      builtInRoleByName(roleName) ||
      (await this.store.listRoleDefinitions()).some((r) => r.roleName.toLowerCase() === roleName.toLowerCase())
    ) {
      throw conflict(`A role named '${roleName}' already exists.`);
    }
    const role: RoleDefinitionRecord = { id: randomUUID(), roleName, description, permissions, createdAt: this.now() };
    await this.store.putRoleDefinition(role);
    return role;
  }

  async deleteRole(nameOrId: string): Promise<RoleDefinitionRecord> {
    const role = await this.role(nameOrId);
    if (builtInRole(role.id)) throw badParameter(`'${role.roleName}' is a built-in role and cannot be deleted.`);
    return this.store.transaction(async (tx) => {
      if ((await tx.listRoleAssignments()).some((a) => a.roleDefinitionId === role.id)) {
        throw conflict(`The role '${role.roleName}' is assigned; delete its assignments first.`);
      }
      await tx.deleteRoleDefinition(role.id);
      return role;
    });
  }

  async #vault(name: string): Promise<VaultRecord> {
    const vault = await this.store.getVault(name);
    if (!vault) throw vaultNotFound(name);
    return vault;
  }

  async #principal(id: string): Promise<void> {
    if (!(await this.store.getPrincipal(id))) throw principalNotFound(id);
  }
}
