import type { FastifyInstance } from "fastify";
import type { Operation } from "../../authz/operations.js";
import type { AppContext } from "../app-context.js";
import { vaultRequest } from "../data-plane.js";
import { contactsJson, issuerBundle, issuerItem, parseContacts, parseIssuer } from "../wire/certificate-wire.js";
import { type Query, listPage } from "./route-params.js";

const op = (operation: Operation) => ({ config: { operation } });

/** An issuer is the vault's, not a certificate's: its name is no object name (authorisation is at the vault). */
interface IssuerParams {
  issuer: string;
}

/**
 * The vault's certificate issuers and contacts (certificates.json: `/certificates/issuers`, `/certificates/contacts`).
 * Both paths are static, so the router prefers them to the certificate routes' `/certificates/:name`.
 */
export function registerCertificateIssuerRoutes(app: FastifyInstance, ctx: AppContext): void {
  const issuers = ctx.certificateIssuers;
  const contacts = ctx.certificateContacts;

  app.get<{ Querystring: Query }>("/certificates/issuers", op("certificates/listIssuers"), async (request) => {
    const kv = vaultRequest(request);
    return listPage(
      kv,
      "/certificates/issuers",
      request.query,
      (after, max) => issuers.list(kv.vault, after, max),
      (issuer) => issuerItem(kv.base, issuer.name, issuer),
    );
  });

  app.get<{ Params: IssuerParams }>("/certificates/issuers/:issuer", op("certificates/getIssuer"), async (request) => {
    const kv = vaultRequest(request);
    const issuer = await issuers.get(kv.vault, request.params.issuer);
    return issuerBundle(kv.base, issuer.name, issuer);
  });

  app.put<{ Params: IssuerParams }>("/certificates/issuers/:issuer", op("certificates/setIssuer"), async (request) => {
    const kv = vaultRequest(request);
    const issuer = await issuers.set(kv.vault, request.params.issuer, parseIssuer(request.body, "set"));
    return issuerBundle(kv.base, issuer.name, issuer);
  });

  app.patch<{ Params: IssuerParams }>("/certificates/issuers/:issuer", op("certificates/updateIssuer"), async (request) => {
    const kv = vaultRequest(request);
    const issuer = await issuers.update(kv.vault, request.params.issuer, parseIssuer(request.body, "update"));
    return issuerBundle(kv.base, issuer.name, issuer);
  });

  app.delete<{ Params: IssuerParams }>("/certificates/issuers/:issuer", op("certificates/deleteIssuer"), async (request) => {
    const kv = vaultRequest(request);
    const issuer = await issuers.delete(kv.vault, request.params.issuer);
    return issuerBundle(kv.base, issuer.name, issuer);
  });

  app.get("/certificates/contacts", op("certificates/getContacts"), async (request) => {
    const kv = vaultRequest(request);
    return contactsJson(kv.base, await contacts.get(kv.vault));
  });

  app.put("/certificates/contacts", op("certificates/setContacts"), async (request) => {
    const kv = vaultRequest(request);
    return contactsJson(kv.base, await contacts.set(kv.vault, parseContacts(request.body)));
  });

  app.delete("/certificates/contacts", op("certificates/deleteContacts"), async (request) => {
    const kv = vaultRequest(request);
    return contactsJson(kv.base, await contacts.delete(kv.vault));
  });
}
