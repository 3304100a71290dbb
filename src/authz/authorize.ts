import type { AccessPolicyRecord, RoleAssignmentRecord, RoleDefinitionRecord, VaultRecord } from "../storage/records.js";
import { grants } from "./action-pattern.js";
import { OPERATIONS, type Operation } from "./operations.js";
import { objectScope, scopeCovers, vaultScope } from "./scope.js";

export type { Operation } from "./operations.js";

/** A role assignment of the caller together with the role it names. */
export interface HeldRole {
  assignment: RoleAssignmentRecord;
  role: RoleDefinitionRecord;
}

/** What the caller holds that could authorise a request: its policy on the vault, and its role assignments. */
export interface Grants {
  policy: AccessPolicyRecord | undefined;
  roles: readonly HeldRole[];
}

export type Decision =
  { allowed: true; reason: string } | { allowed: false; reason: string; innerCode: "ForbiddenByPolicy" | "ForbiddenByRbac" };

/**
 * The one decision for the vault API, deny by default. A vault uses one model, as in Azure: with
 * `enableRbacAuthorization` only role assignments count (at the server, the vault, or the object's scope);
 * otherwise only the vault's access policy for the caller.
 */
export function authorize(vault: VaultRecord, operation: Operation, objectName: string | null, held: Grants): Decision {
  const rule = OPERATIONS[operation];
  if (!vault.enableRbacAuthorization) {
    const permissions = held.policy?.permissions[rule.category] ?? [];
    const granted = [rule.permission, rule.broaderPermission].find((permission) => permission && permissions.includes(permission));
    if (granted) return { allowed: true, reason: `access policy grants ${rule.category}/${granted}` };
    return {
      allowed: false,
      innerCode: "ForbiddenByPolicy",
      reason: `The caller does not have ${rule.category} ${rule.permission} permission on key vault '${vault.name}'.`,
    };
  }
  const target = rule.object && objectName !== null ? objectScope(vault.name, rule.category, objectName) : vaultScope(vault.name);
  const granting = held.roles.find(
    ({ assignment, role }) =>
      scopeCovers(assignment.scope, target) && grants(role.permissions.dataActions, role.permissions.notDataActions, rule.dataAction),
  );
  if (granting) return { allowed: true, reason: `role '${granting.role.roleName}' at scope '${granting.assignment.scope}'` };
  return {
    allowed: false,
    innerCode: "ForbiddenByRbac",
    reason: `Caller is not authorized to perform action on resource. Action: '${rule.dataAction}'. Resource: '${target}'. Assignment: (not found).`,
  };
}

/** The admin API: only a role assigned at the server scope `/` whose actions include the management action. */
export function authorizeManagement(action: string, held: readonly HeldRole[]): Decision {
  const granting = held.find(
    ({ assignment, role }) => assignment.scope === "/" && grants(role.permissions.actions, role.permissions.notActions, action),
  );
  if (granting) return { allowed: true, reason: `role '${granting.role.roleName}' at scope '/'` };
  return {
    allowed: false,
    innerCode: "ForbiddenByRbac",
    reason: `Caller is not authorized to perform action '${action}': it needs a role with that action assigned at the server scope '/'.`,
  };
}
