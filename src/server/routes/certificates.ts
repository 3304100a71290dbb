import type { FastifyInstance } from "fastify";
import type { Operation } from "../../authz/operations.js";
import type { CertificateOperation } from "../../vault/certificate-operation.js";
import { type CertificateVersionView, certificateDerOf } from "../../vault/certificate-service.js";
import type { AppContext } from "../app-context.js";
import { vaultRequest } from "../data-plane.js";
import {
  certificateBundle,
  certificateItem,
  certificateOperationJson,
  certificatePolicyJson,
  deletedCertificateBundle,
  deletedCertificateItem,
  parseCertificateCreate,
  parseCertificateImport,
  parseCertificateMerge,
  parseCertificateUpdate,
  parseOperationUpdate,
  parsePolicyUpdate,
} from "../wire/certificate-wire.js";
import type { WireContext } from "../wire/object-wire.js";
import { destroyReleasedTokenKeys } from "../token-key-release.js";
import { registerLifecycleRoutes } from "./object-lifecycle-routes.js";
import type { NameParams } from "./route-params.js";

const op = (operation: Operation) => ({ config: { operation } });

/** The operation as the SDK reads it; once completed, `target` is the certificate's id without a version. */
function operationJson(w: WireContext, name: string, operation: CertificateOperation): object {
  const target = operation.status === "completed" ? `${w.base}/certificates/${name}` : operation.target;
  return certificateOperationJson(w.base, name, { ...operation, target });
}

/** The Certificates API (spec/keyvault/2025-07-01/certificates.json), status codes as the SDK expects them. */
export function registerCertificateRoutes(app: FastifyInstance, ctx: AppContext): void {
  const certificates = ctx.certificates;

  // 202 and `inProgress`, as Azure answers every create, even though Self and the built-in CA issue at once: the JS
  // poller accepts no other status code, and Python's polls only an operation answered in progress. The first
  // GET …/pending then says `completed`.
  app.post<{ Params: NameParams }>("/certificates/:name/create", op("certificates/create"), async (request, reply) => {
    const kv = vaultRequest(request);
    const { policy, enabled, tags } = parseCertificateCreate(request.body);
    const operation = await certificates.create(kv.vault, request.params.name, policy, { enabled, tags });
    const answered = { ...operation, status: "inProgress" as const, target: null };
    return reply.code(202).send(operationJson(kv, request.params.name, answered));
  });

  app.get<{ Params: NameParams }>("/certificates/:name/pending", op("certificates/getOperation"), async (request) => {
    const kv = vaultRequest(request);
    return operationJson(kv, request.params.name, await certificates.getOperation(kv.vault, request.params.name));
  });

  app.patch<{ Params: NameParams }>("/certificates/:name/pending", op("certificates/updateOperation"), async (request) => {
    const kv = vaultRequest(request);
    const { cancellationRequested } = parseOperationUpdate(request.body);
    return operationJson(kv, request.params.name, await certificates.cancelOperation(kv.vault, request.params.name, cancellationRequested));
  });

  // 201, as the SDK expects: the merged certificate is a new version.
  app.post<{ Params: NameParams }>("/certificates/:name/pending/merge", op("certificates/merge"), async (request, reply) => {
    const kv = vaultRequest(request);
    const { chain, enabled, tags } = parseCertificateMerge(request.body);
    const view = await certificates.merge(kv.vault, request.params.name, chain, { enabled, tags });
    return reply.code(201).send(certificateBundle(kv, view));
  });

  app.post<{ Params: NameParams }>("/certificates/:name/import", op("certificates/import"), async (request) => {
    const kv = vaultRequest(request);
    const { content, password, policy, enabled, tags } = parseCertificateImport(request.body);
    return certificateBundle(kv, await certificates.import(kv.vault, request.params.name, content, password, policy, { enabled, tags }));
  });

  app.delete<{ Params: NameParams }>("/certificates/:name/pending", op("certificates/deleteOperation"), async (request) => {
    const kv = vaultRequest(request);
    return operationJson(kv, request.params.name, await certificates.deleteOperation(kv.vault, request.params.name));
  });

  app.get<{ Params: NameParams }>("/certificates/:name/policy", op("certificates/getPolicy"), async (request) => {
    const kv = vaultRequest(request);
    return certificatePolicyJson(kv.base, request.params.name, await certificates.getPolicy(kv.vault, request.params.name));
  });

  app.patch<{ Params: NameParams }>("/certificates/:name/policy", op("certificates/updatePolicy"), async (request) => {
    const kv = vaultRequest(request);
    const policy = await certificates.updatePolicy(kv.vault, request.params.name, parsePolicyUpdate(request.body));
    return certificatePolicyJson(kv.base, request.params.name, policy);
  });

  registerLifecycleRoutes<"certificates", CertificateVersionView>(app, certificates.lifecycle, {
    collection: "certificates",
    bundle: certificateBundle,
    deletedBundle: (w, view: CertificateVersionView) => deletedCertificateBundle(w, view, view.state),
    item: (w, r, withVersion) => certificateItem(w, r, certificateDerOf(r), withVersion),
    deletedItem: (w, s) => deletedCertificateItem(w, s, certificateDerOf(s.latest)),
    // Azure lists a certificate still waiting for its certificate (a CSR to merge) only with includePending=true.
    listed: (query, summary) => query.includePending === "true" || certificateDerOf(summary.latest) !== null,
    afterPurge: (log) => destroyReleasedTokenKeys(ctx.keys, (message) => log.warn(message)),
    // Attributes and tags; a policy in the body is not applied yet (PATCH …/policy changes it).
    parseUpdate: (body) => {
      const { policy: _policy, ...patch } = parseCertificateUpdate(body);
      return patch;
    },
  });
}
