import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Operation } from "../../authz/operations.js";
import { badParameter } from "../../errors/key-vault-error.js";
import type { ObjectAttributes, ObjectSummary, ObjectVersionRecord, Page } from "../../storage/records.js";
import type { ObjectLifecycle, ObjectView } from "../../vault/object-lifecycle.js";
import { vaultRequest } from "../data-plane.js";
import type { WireContext } from "../wire/object-wire.js";
import { asObject, base64urlBytes } from "../wire/parse.js";
import { type NameParams, type Query, listPage, versionOf } from "./route-params.js";

/** The lifecycle operations every kind of object has; each kind's operation is `{collection}/{verb}`. */
type LifecycleVerb =
  "get" | "update" | "list" | "listVersions" | "delete" | "listDeleted" | "getDeleted" | "recover" | "purge" | "backup" | "restore";

/** How one kind of object is addressed and written on the wire. */
export interface LifecycleWire<C extends string, V extends ObjectView> {
  /** The path segment (`secrets`), which also names the kind's operations and its `deleted…` collection. */
  collection: C;
  bundle(w: WireContext, view: V): object;
  deletedBundle(w: WireContext, view: V): object;
  item(w: WireContext, r: ObjectVersionRecord, withVersion: boolean): object;
  deletedItem(w: WireContext, s: ObjectSummary): object;
  parseUpdate(body: unknown): Partial<ObjectAttributes>;
  /** Whether a list shows an object (certificates hide those still waiting for their certificate unless asked). */
  listed?(query: Query, summary: ObjectSummary): boolean;
  /** What follows a purge once it is committed (keys and certificates: destroying the token keys it released). */
  afterPurge?(log: FastifyBaseLogger): Promise<void>;
}

/**
 * Registers get, update, list, versions, delete, the deleted collection (get, list, recover, purge), backup and
 * restore for one kind of object, with the status codes the SDKs expect. The kind's operations must all be
 * known to authorisation (authz/operations.ts): a collection whose operations are missing does not compile.
 */
export function registerLifecycleRoutes<C extends string, V extends ObjectView>(
  app: FastifyInstance,
  objects: ObjectLifecycle<V>,
  wire: LifecycleWire<C, V> & (`${C}/${LifecycleVerb}` extends Operation ? unknown : never),
): void {
  const c = wire.collection;
  // A page may come out shorter than asked, as Azure's may; its nextLink still continues after its last object.
  const shown = (query: Query, page: Page<ObjectSummary>): Page<ObjectSummary> =>
    wire.listed ? { ...page, items: page.items.filter((summary) => wire.listed!(query, summary)) } : page;
  const op = (verb: LifecycleVerb) => ({ config: { operation: `${c}/${verb}` as Operation } });

  for (const url of [`/${c}/:name`, `/${c}/:name/:version`]) {
    app.get<{ Params: NameParams }>(url, op("get"), async (request) => {
      const kv = vaultRequest(request);
      return wire.bundle(kv, await objects.get(kv.vault, request.params.name, versionOf(request.params)));
    });
    app.patch<{ Params: NameParams }>(url, op("update"), async (request) => {
      const kv = vaultRequest(request);
      const patch = wire.parseUpdate(request.body);
      return wire.bundle(kv, await objects.update(kv.vault, request.params.name, versionOf(request.params), patch));
    });
  }

  app.get<{ Querystring: Query }>(`/${c}`, op("list"), async (request) => {
    const kv = vaultRequest(request);
    const page = (after: string | null, max: number) => objects.list(kv.vault, after, max).then((p) => shown(request.query, p));
    return listPage(kv, `/${c}`, request.query, page, (s) => wire.item(kv, s.latest, false));
  });

  app.get<{ Params: NameParams; Querystring: Query }>(`/${c}/:name/versions`, op("listVersions"), async (request) => {
    const kv = vaultRequest(request);
    const name = request.params.name;
    const page = (after: string | null, max: number) => objects.listVersions(kv.vault, name, after, max);
    return listPage(kv, `/${c}/${encodeURIComponent(name)}/versions`, request.query, page, (r) => wire.item(kv, r, true));
  });

  app.delete<{ Params: NameParams }>(`/${c}/:name`, op("delete"), async (request) => {
    const kv = vaultRequest(request);
    return wire.deletedBundle(kv, await objects.delete(kv.vault, request.params.name));
  });

  app.get<{ Querystring: Query }>(`/deleted${c}`, op("listDeleted"), async (request) => {
    const kv = vaultRequest(request);
    const page = (after: string | null, max: number) => objects.listDeleted(kv.vault, after, max).then((p) => shown(request.query, p));
    return listPage(kv, `/deleted${c}`, request.query, page, (s) => wire.deletedItem(kv, s));
  });

  app.get<{ Params: NameParams }>(`/deleted${c}/:name`, op("getDeleted"), async (request) => {
    const kv = vaultRequest(request);
    return wire.deletedBundle(kv, await objects.getDeleted(kv.vault, request.params.name));
  });

  app.post<{ Params: NameParams }>(`/deleted${c}/:name/recover`, op("recover"), async (request) => {
    const kv = vaultRequest(request);
    return wire.bundle(kv, await objects.recover(kv.vault, request.params.name));
  });

  app.delete<{ Params: NameParams }>(`/deleted${c}/:name`, op("purge"), async (request, reply) => {
    const kv = vaultRequest(request);
    await objects.purge(kv.vault, request.params.name);
    await wire.afterPurge?.(request.log);
    return reply.code(204).send();
  });

  app.post<{ Params: NameParams }>(`/${c}/:name/backup`, op("backup"), async (request) => {
    const kv = vaultRequest(request);
    return { value: (await objects.backup(kv.vault, request.params.name)).toString("base64url") };
  });

  app.post(`/${c}/restore`, op("restore"), async (request) => {
    const kv = vaultRequest(request);
    const blob = base64urlBytes(asObject(request.body, "The request body").value, "value");
    if (blob.length === 0) throw badParameter("The parameter 'value' must not be empty.");
    return wire.bundle(kv, await objects.restore(kv.vault, blob));
  });
}
