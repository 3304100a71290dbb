import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { assignmentJson, roleJson } from "../wire/admin-wire.js";
import { asObject, optionalObject, optionalQueryString, optionalString, optionalStringArray, requiredString } from "../wire/parse.js";
import { action, adminCaller } from "./admin-auth.js";

/** Role assignments and role definitions, under /keyhold/roleAssignments and /keyhold/roleDefinitions (`az role`). */
export function registerAdminRoleRoutes(app: FastifyInstance, ctx: AppContext): void {
  const access = ctx.access;
  const withRoleName = async (a: Parameters<typeof assignmentJson>[0]) =>
    assignmentJson(a, (await access.role(a.roleDefinitionId).catch(() => undefined))?.roleName);

  app.get<{ Querystring: Record<string, unknown> }>("/keyhold/roleAssignments", action("roleAssignments/read"), async (request) => {
    const principalId = optionalQueryString(request.query.principalId, "principalId");
    return Promise.all((await access.listAssignments(principalId)).map(withRoleName));
  });

  app.post("/keyhold/roleAssignments", action("roleAssignments/write"), async (request, reply) => {
    const body = asObject(request.body ?? {}, "The request body");
    const assignment = await access.createAssignment(
      {
        principalId: requiredString(body.principalId, "principalId"),
        role: requiredString(body.role, "role"),
        scope: optionalString(body.scope, "scope") ?? "/",
      },
      adminCaller(request).principalId,
    );
    return reply.code(201).send(await withRoleName(assignment));
  });

  app.delete<{ Params: { id: string } }>("/keyhold/roleAssignments/:id", action("roleAssignments/delete"), async (request) =>
    withRoleName(await access.deleteAssignment(request.params.id)),
  );

  app.get("/keyhold/roleDefinitions", action("roleDefinitions/read"), async () => (await access.listRoles()).map(roleJson));

  app.post("/keyhold/roleDefinitions", action("roleDefinitions/write"), async (request, reply) => {
    const body = asObject(request.body ?? {}, "The request body");
    const permissions = optionalObject(body.permissions, "permissions") ?? {};
    const list = (field: string) => optionalStringArray(permissions[field], `permissions.${field}`) ?? [];
    const role = await access.createRole(requiredString(body.roleName, "roleName"), optionalString(body.description, "description") ?? "", {
      actions: list("actions"),
      notActions: list("notActions"),
      dataActions: list("dataActions"),
      notDataActions: list("notDataActions"),
    });
    return reply.code(201).send(roleJson(role));
  });

  app.delete<{ Params: { id: string } }>("/keyhold/roleDefinitions/:id", action("roleDefinitions/delete"), async (request) =>
    roleJson(await access.deleteRole(request.params.id)),
  );
}
