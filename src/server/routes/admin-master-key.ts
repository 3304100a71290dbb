import type { FastifyInstance } from "fastify";
import { KeyVaultError } from "../../errors/key-vault-error.js";
import type { AppContext } from "../app-context.js";
import { asObject, requiredString } from "../wire/parse.js";
import { action } from "./admin-auth.js";

/**
 * Master key rotation (docs/master-key.md): GET the progress, POST to re-wrap every record under the current
 * master key. The caller names the key it expects to be current by its id, never by its bytes: a server that was
 * not restarted with that key as `masterKey` refuses, rather than re-wrapping under the wrong one.
 */
export function registerAdminMasterKeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const rotation = ctx.masterKeyRotation;
  const currentKeyId = rotation.currentKeyId;

  app.get("/keyhold/masterKey/rotate", action("masterKey/read"), async () => ({ currentKeyId, ...(await rotation.progress()) }));

  app.post("/keyhold/masterKey/rotate", action("masterKey/rotate"), async (request, reply) => {
    const keyId = requiredString(asObject(request.body ?? {}, "The request body").keyId, "keyId").toLowerCase();
    if (keyId !== currentKeyId) {
      throw new KeyVaultError(
        409,
        "MasterKeyMismatch",
        `The server's current master key has id ${currentKeyId}, not ${keyId}: restart every node with that key as masterKey and the old key under previousMasterKeys first.`,
      );
    }
    const { progress } = await rotation.start();
    return reply.code(202).send({ currentKeyId, ...progress });
  });
}
