import type { FastifyInstance } from "fastify";
import { notFound } from "../../errors/key-vault-error.js";
import type { PrincipalRecord } from "../../storage/records.js";
import type { AppContext } from "../app-context.js";
import { principalJson } from "../wire/admin-wire.js";
import { asObject, optionalString, requiredString } from "../wire/parse.js";
import { action } from "./admin-auth.js";

type UserParams = { user: string };

const userNotFound = (nameOrId: string) => notFound("PrincipalNotFound", `No user '${nameOrId}' exists on this Keyhold server.`);

/**
 * Users, under /keyhold/users (as `az ad user create|list|show|delete|update --password`). Users are principals, so
 * the principals' actions authorise these routes. A user is named by its object id or its user name in any case.
 * Passwords go in and never come out: answers carry no password nor any hash of one.
 */
export function registerAdminUserRoutes(app: FastifyInstance, ctx: AppContext): void {
  const principals = ctx.principals;
  const requireUser = async (nameOrId: string): Promise<PrincipalRecord> => {
    const user = await principals.findUser(nameOrId);
    if (!user) throw userNotFound(nameOrId);
    return user;
  };

  app.get("/keyhold/users", action("principals/read"), async () =>
    (await principals.list()).filter((p) => p.kind === "user").map((p) => principalJson(p, ctx.tenantId)),
  );

  app.post("/keyhold/users", action("principals/write"), async (request, reply) => {
    const body = asObject(request.body ?? {}, "The request body");
    const userName = requiredString(body.userName, "userName");
    const displayName = optionalString(body.displayName, "displayName") ?? undefined;
    const password = requiredString(body.password, "password");
    const user = await principals.createUser({ userName, displayName, password });
    return reply.code(201).send(principalJson(user, ctx.tenantId));
  });

  app.get<{ Params: UserParams }>("/keyhold/users/:user", action("principals/read"), async (request) =>
    principalJson(await requireUser(request.params.user), ctx.tenantId),
  );

  app.delete<{ Params: UserParams }>("/keyhold/users/:user", action("principals/delete"), async (request, reply) => {
    await principals.delete((await requireUser(request.params.user)).id);
    return reply.code(204).send();
  });

  app.put<{ Params: UserParams }>("/keyhold/users/:user/password", action("principals/write"), async (request, reply) => {
    const body = asObject(request.body ?? {}, "The request body");
    const password = requiredString(body.password, "password");
    await principals.setUserPassword((await requireUser(request.params.user)).id, password);
    return reply.code(204).send();
  });
}
