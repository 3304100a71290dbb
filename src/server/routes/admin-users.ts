import type { FastifyInstance } from "fastify";
import { notFound } from "../../errors/key-vault-error.js";
import type { PrincipalRecord } from "../../storage/records.js";
import type { AppContext } from "../app-context.js";
import { userJson } from "../wire/admin-wire.js";
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
  const mfa = ctx.signIn.mfa;
  const shown = async (user: PrincipalRecord) => userJson(user, ctx.tenantId, await mfa.hasTotp(user.id));
  const requireUser = async (nameOrId: string): Promise<PrincipalRecord> => {
    const user = await principals.findUser(nameOrId);
    if (!user) throw userNotFound(nameOrId);
    return user;
  };

  app.get("/keyhold/users", action("principals/read"), async () =>
    Promise.all((await principals.list()).filter((p) => p.kind === "user").map(shown)),
  );

  app.post("/keyhold/users", action("principals/write"), async (request, reply) => {
    const body = asObject(request.body ?? {}, "The request body");
    const userName = requiredString(body.userName, "userName");
    const displayName = optionalString(body.displayName, "displayName") ?? undefined;
    const password = requiredString(body.password, "password");
    const user = await principals.createUser({ userName, displayName, password });
    return reply.code(201).send(await shown(user));
  });

  app.get<{ Params: UserParams }>("/keyhold/users/:user", action("principals/read"), async (request) =>
    shown(await requireUser(request.params.user)),
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

  // A new TOTP secret replaces any the user had; the otpauth URI carrying it is in this answer only.
  app.post<{ Params: UserParams }>("/keyhold/users/:user/mfa", action("principals/write"), async (request, reply) => {
    const otpauthUri = await mfa.enableTotp((await requireUser(request.params.user)).id);
    return reply.code(201).header("cache-control", "no-store").send({ otpauthUri });
  });

  app.delete<{ Params: UserParams }>("/keyhold/users/:user/mfa", action("principals/write"), async (request, reply) => {
    await mfa.disableTotp((await requireUser(request.params.user)).id);
    return reply.code(204).send();
  });
}
