import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

/**
 * Property-based robustness of every route: whatever a caller sends (any JSON, any string, objects keyed by
 * Object.prototype's member names, wrong types for each field a parser reads, repeated query parameters, odd
 * api-versions, content types and authorization headers, with and without a valid token), the answer is a
 * client error or a success, never a 5xx; it is JSON; no error-level log line is written; and the server still
 * answers /healthz afterwards.
 *
 * Fully random input rarely gets past the first check of a parser, and the later checks are where crashes hid.
 * So each route that reads a body has a valid example, and requests break it: first two sweeps, one request per
 * broken part with all else valid (each field of each example replaced by a wrong type or an Object.prototype
 * member's name, removed, repeated or joined by a `__proto__` sibling; each query parameter repeated or named
 * after a prototype member; odd headers on each authentication path); then the property, whose requests break
 * one part (body, query, headers or path) at random, or all of them.
 *
 * The seed is fixed so a failure reproduces; KEYHOLD_FUZZ_SEED and KEYHOLD_FUZZ_RUNS change it and the number
 * of requests. On failure fast-check prints the shrunk request, the seed and the path that replay it.
 */
const SEED = Number(process.env.KEYHOLD_FUZZ_SEED ?? 20_260_611);
const RUNS = Number(process.env.KEYHOLD_FUZZ_RUNS ?? 2000);

interface Route {
  method: string;
  /** The pattern as registered, e.g. `/keys/:name/:version/encrypt`. */
  url: string;
}

/**
 * Every route of the app, from fastify's own route tree (printRoutes), so a route added later is fuzzed
 * without editing this file. Lines look like `│   └── /:name (GET, HEAD, PUT)`: the depth is where the
 * branch starts, the segment is appended to its parent's path.
 */
function routesOf(tree: string): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^(.*?)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const url = (stack[depth - 1] ?? "") + match[2]!;
    stack.push(url);
    for (const method of (match[3] ?? "")
      .split(",")
      .map((m) => m.trim())
      .filter(Boolean))
      routes.push({ method, url });
  }
  return routes;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Names of Object.prototype's members: what a lookup `TABLE[input]` or `input in TABLE` on a plain object finds. */
const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "valueOf", "hasOwnProperty"];

/** Objects that break String(), Number() and template literals, or carry an own `__proto__` (JSON.parse makes it own). */
const NASTY_OBJECTS: Json[] = [
  '{"toString":1,"valueOf":1}',
  '{"toString":{},"valueOf":{}}',
  '{"__proto__":{"toString":1}}',
  '{"constructor":{"prototype":{}}}',
  '{"length":1e300}',
].map((text) => JSON.parse(text) as Json);

/** Values that get past some checks (right type, plausible content), mixed in so that later checks are reached. */
const PLAUSIBLE: Json[] = [
  ...["RSA", "EC-HSM", "oct", "P-256", "P-521", "RSA-OAEP-256", "A256GCM", "ES256", "PS256", "sign", "Rotate", "Notify", "P30D", "PT1H"],
  ...["client_credentials", "https://vault.azure.net", "https://vault.azure.net/.default", "premium", "standard", "/", "all", "get"],
  ...["", " ", "%zz", "\u0000", "\ud800", "AAAA", "x".repeat(300)],
  ...[0, -1, 1.5, 7, 32, 256, 2048, 65537, 1e300, -0, 2 ** 53 + 2, true, false, null, [], {}, ["get", 1], [[]]],
];

const API_VERSIONS = [
  "7.4",
  "2026-04-01",
  "2015-06-01",
  "7.6-preview.2",
  "2030-01-01",
  "2030-02-30",
  "7.7",
  "",
  "7",
  "constructor",
  "__proto__",
  "%zz",
];
const QUERY_NAMES = [
  "api-version",
  "maxresults",
  "$skiptoken",
  "resource",
  "client_id",
  "object_id",
  "principal_id",
  "principalId",
  ...PROTOTYPE_NAMES,
];

const CONTENT_TYPES = [
  "application/json; charset=utf-8",
  "Application/JSON",
  "application/json;charset=latin1",
  "application/x-www-form-urlencoded",
  "text/plain",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "application/json, text/plain",
  ";;;",
];

/** Printable ASCII (what an HTTP parser lets into a header value), for generated header values. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const anyString = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: "binary", maxLength: 12 }));

/** Any string, percent-encoded (a lone surrogate has no UTF-8 form, so it is made U+FFFD first). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const encoded = (s: string): string => encodeURIComponent(s.replace(LONE_SURROGATE, "\uFFFD"));

const wrongValue: fc.Arbitrary<Json> = fc.oneof(
  { arbitrary: fc.constantFrom<Json>(...PROTOTYPE_NAMES), weight: 3 },
  { arbitrary: fc.constantFrom(...NASTY_OBJECTS), weight: 2 },
  { arbitrary: fc.constantFrom(...PLAUSIBLE), weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, weight: 2 },
  { arbitrary: anyString, weight: 1 },
);
const wrongKey = fc.oneof({ arbitrary: fc.constantFrom(...PROTOTYPE_NAMES), weight: 3 }, { arbitrary: anyString, weight: 1 });

/** Sets an own member even when its name is `__proto__` (assignment would set the prototype instead). */
function put(target: { [key: string]: Json }, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every place in a JSON value: the root, each member, each element. */
function placesOf(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const places = [at];
  if (Array.isArray(value)) value.forEach((item, i) => places.push(...placesOf(item, [...at, i])));
  else if (value !== null && typeof value === "object")
    for (const [k, item] of Object.entries(value)) places.push(...placesOf(item, [...at, k]));
  return places;
}

interface Mutation {
  place: number;
  kind: "replace" | "remove" | "add" | "repeat";
  key: string;
  value: Json;
}

/** One field of a copy broken: replaced by a wrong value, removed, repeated (made a list) or joined by a nasty sibling. */
function mutate(root: Json, m: Mutation): Json {
  const copy = JSON.parse(JSON.stringify(root)) as Json;
  const places = placesOf(copy);
  const path = places[m.place % places.length]!;
  const change = (old: Json): Json | undefined => {
    switch (m.kind) {
      case "replace":
        return m.value;
      case "remove":
        return undefined;
      case "repeat":
        return [old, old];
      case "add":
        if (Array.isArray(old)) return [...old, m.value];
        if (old !== null && typeof old === "object") {
          put(old, m.key, m.value);
          return old;
        }
        return m.value;
    }
  };
  if (path.length === 0) return change(copy) ?? null;
  let parent = copy as { [key: string]: Json } | Json[];
  for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[step] as typeof parent;
  const last = path[path.length - 1]!;
  const next = change((parent as Record<string | number, Json>)[last]!);
  if (Array.isArray(parent)) {
    if (next === undefined) parent.splice(last as number, 1);
    else parent[last as number] = next;
  } else if (next === undefined) delete parent[last as string];
  else put(parent, last as string, next);
  return copy;
}

/**
 * The wrong values the sweep puts in each place of an example: prototype member names, objects String() and
 * Number() choke on, wrong types.
 */
const SWEEP_VALUES: Json[] = ["constructor", "__proto__", NASTY_OBJECTS[0]!, null, 1e300, true, [], {}];

const NO_PRINCIPAL = "00000000-0000-4000-8000-000000000000";

interface InjectRequest {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

const mutations = fc.array(
  fc.record({
    place: fc.nat(),
    kind: fc.constantFrom<Mutation["kind"]>("replace", "replace", "remove", "add", "repeat"),
    key: wrongKey,
    value: wrongValue,
  }),
  { minLength: 1, maxLength: 3 },
);

/** A JSON object as a form body: a list becomes a repeated field, anything but a string its JSON text. */
function formOf(value: Json): string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return encoded(JSON.stringify(value));
  const field = (v: Json) => (typeof v === "string" ? v : JSON.stringify(v));
  return Object.entries(value)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((item) => `${encoded(k)}=${encoded(field(item))}`))
    .join("&");
}

interface Fixtures {
  t: TestApp;
  /** Path parameter values that name things that exist, so requests get past "not found". */
  known: string[];
  identityHeader: string;
  /** The path parameter the sweep uses for `:name`, `:id`…, so that the body is what gets checked. */
  sweepParam: (param: string) => string;
  /** A valid body and query (name → value) per route pattern, for the routes that read them. */
  examples: (route: Route) => { body?: Json; query: [string, string][] };
}

/** Which part of a request is broken; the others keep their valid example, so the broken part is what is checked. */
type Focus = "body" | "query" | "headers" | "params" | "all";
const focus = fc.constantFrom<Focus>("body", "body", "body", "body", "query", "headers", "params", "all");

function requestFor(route: Route, f: Fixtures) {
  const { t } = f;
  const example = f.examples(route);
  const tokenRoute = route.url.includes("/oauth2/");
  const takesBody = !["GET", "HEAD", "DELETE"].includes(route.method);
  const exampleText = example.body === undefined ? undefined : tokenRoute ? formOf(example.body) : JSON.stringify(example.body);

  const mutatedBody = mutations.map((ms) => ms.reduce(mutate, example.body ?? {}));
  const body = fc.oneof(
    { arbitrary: mutatedBody.map((v) => ({ text: tokenRoute ? formOf(v) : JSON.stringify(v), form: tokenRoute })), weight: 8 },
    { arbitrary: mutatedBody.map((v) => ({ text: JSON.stringify(v), form: false })), weight: tokenRoute ? 3 : 0 },
    { arbitrary: fc.jsonValue().map((v) => ({ text: JSON.stringify(v), form: false })), weight: 2 },
    { arbitrary: anyString.map((text) => ({ text, form: tokenRoute })), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
  const contentType = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 1 },
  );

  const queryValue = fc.oneof(fc.constantFrom(...API_VERSIONS, ...PROTOTYPE_NAMES, "26", "0", "bnVsbA", "eyJwIjoxfQ"), anyString);
  const queryMutation = fc.record({
    place: fc.nat(),
    kind: fc.constantFrom("replace", "repeat", "remove", "add"),
    name: fc.oneof({ arbitrary: fc.constantFrom(...QUERY_NAMES), weight: 3 }, { arbitrary: anyString, weight: 1 }),
    value: queryValue,
  });
  const dataPlane = !(
    route.url.startsWith("/keyhold/") ||
    route.url.startsWith("/:tenant") ||
    route.url === "/msi/token" ||
    route.url === "/healthz"
  );
  const baseQuery: [string, string][] = [...(dataPlane ? [["api-version", "7.4"] as [string, string]] : []), ...example.query];
  const serialise = (pairs: [string, string][], raw = "") =>
    [...pairs.map(([k, v]) => `${encoded(k)}=${encoded(v)}`), ...(raw ? [raw] : [])].join("&");
  const query = fc
    .tuple(
      fc.array(queryMutation, { minLength: 1, maxLength: 3 }),
      fc.oneof(
        { arbitrary: fc.constant(""), weight: 6 },
        { arbitrary: fc.constantFrom("%zz", "a[b]=c", "a[]=1", "=", "&&", "api-version", "%E0%A4%A=1"), weight: 1 },
      ),
    )
    .map(([ms, raw]) => {
      const pairs = [...baseQuery];
      for (const m of ms) {
        const i = pairs.length === 0 ? 0 : m.place % pairs.length;
        if (m.kind === "add" || pairs.length === 0) pairs.push([m.name, m.value]);
        else if (m.kind === "replace") pairs[i] = [pairs[i]![0], m.value];
        else if (m.kind === "repeat") pairs.push([pairs[i]![0], m.value]);
        else pairs.splice(i, 1);
      }
      return serialise(pairs, raw);
    });

  const knownParam = fc.constantFrom(...f.known);
  const paramValue = fc.oneof(
    { arbitrary: knownParam, weight: 2 },
    { arbitrary: fc.constantFrom(...PROTOTYPE_NAMES, "organizations", "..", "x".repeat(130)).map(encoded), weight: 2 },
    { arbitrary: anyString.filter((s) => s !== "").map(encoded), weight: 2 },
    { arbitrary: fc.constantFrom("%zz", "%ED%A0%80", "%00", "%2F", "a%20b", "%E0%A4%A"), weight: 1 },
  );

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const validAuthorization = tokenRoute ? undefined : `Bearer ${t.token}`;
  const authorization = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 2 },
    { arbitrary: fc.constant(`Bearer ${t.token}`), weight: 1 },
    {
      arbitrary: fc.constantFrom(
        `bearer ${t.token}`,
        `Bearer ${t.token}x`,
        `Bearer ${t.token.split(".").slice(0, 2).join(".")}.`,
        "Bearer",
        "Bearer a.b.c",
        "PoP x",
      ),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(fc.constantFrom("%zz", "%", "a", f.known[5]!), fc.constantFrom("%zz", "%E0%A4%A", "b", ""))
        .map(([u, p]) => basic(u, p)),
      weight: 2,
    },
    {
      arbitrary: fc.oneof(
        headerText,
        headerText.map((s) => `Basic ${s}`),
      ),
      weight: 1,
    },
  );
  const host = fc.oneof(
    { arbitrary: fc.constant(VAULT_HOST), weight: 2 },
    {
      arbitrary: fc.constantFrom(
        "localhost:8443",
        "127.0.0.1",
        "other.vault.azure.net",
        "test-vault.vault.localhost",
        "[::1]:8443",
        "constructor.vault.azure.net",
      ),
      weight: 1,
    },
    { arbitrary: headerText, weight: 1 },
  );
  const identityHeader = fc.oneof(fc.constant(undefined), headerText);

  return fc
    .record({
      focus,
      params: fc.array(paramValue, { minLength: 3, maxLength: 3 }),
      knownParams: fc.array(knownParam, { minLength: 3, maxLength: 3 }),
      query,
      body,
      contentType,
      authorization,
      host,
      identityHeader,
    })
    .map((r) => {
      const broken = (part: Focus) => r.focus === part || r.focus === "all";
      const params = broken("params") ? r.params : r.knownParams;
      let i = 0;
      const path = route.url.replace(/:[A-Za-z]+/g, () => params[i++]!);
      const query = broken("query") ? r.query : serialise(baseQuery);
      const headers: Record<string, string> = { host: broken("headers") ? r.host : VAULT_HOST };
      const authorization = broken("headers") ? r.authorization : validAuthorization;
      if (authorization !== undefined) headers.authorization = authorization;
      if (route.url === "/msi/token") {
        const identity = broken("headers") ? r.identityHeader : f.identityHeader;
        if (identity !== undefined) headers["x-identity-header"] = identity;
      }
      const body = broken("body") ? r.body : exampleText === undefined ? undefined : { text: exampleText, form: tokenRoute };
      const withBody = takesBody && body !== undefined;
      if (withBody)
        headers["content-type"] =
          (broken("headers") ? r.contentType : undefined) ?? (body.form ? "application/x-www-form-urlencoded" : "application/json");
      return {
        method: route.method as InjectRequest["method"],
        url: `${path}${query === "" ? "" : `?${query}`}`,
        headers,
        ...(withBody && { payload: body.text }),
      };
    });
}

/** The successful answers that are not JSON, by path, and their content type. */
const NOT_JSON: Record<string, RegExp> = {
  "/": /^text\/html; charset=utf-8$/,
  "/keyhold/ca.pem": /^application\/x-pem-file/,
  "/metrics": /^text\/plain; version=0\.0\.4/,
  "/_keyhold/pages.css": /^text\/css/,
  "/_keyhold/pages.js": /^text\/javascript/,
  "/_keyhold/icon.svg": /^image\/svg\+xml/,
};

/** The sign-in pages answer HTML whatever their status (an error too is a page for a person), or redirect. */
const isSignInPage = (path: string): boolean => /\/oauth2\/(v2\.0\/)?(authorize|logout)$/.test(path) || path === "/devicelogin";

describe("every route, fuzzed", () => {
  let t: TestApp;
  let fixtures: Fixtures;
  /** Log lines at level error (50) or above, as the server wrote them. */
  const errorLines: string[] = [];

  before(async () => {
    t = await createTestApp("dev", {
      logStream: {
        write(line: string) {
          if ((JSON.parse(line) as { level: number }).level >= 50) errorLines.push(line);
        },
      },
    });
    // The test principal may act on every vault whatever permission model a generated PATCH switches it to.
    await t.ctx.access.createAssignment({ principalId: t.principal.id, role: "Key Vault Administrator", scope: "/" }, t.principal.id);
    const call = async (method: "PUT" | "POST", url: string, payload: object) => {
      const res = await t.app.inject({ method, url, headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}` }, payload });
      assert.ok(res.statusCode < 300, res.body);
      return res.json<Record<string, unknown>>();
    };
    await call("PUT", "/secrets/s1?api-version=7.4", { value: "v" });
    await call("POST", "/keys/k1/create?api-version=7.4", { kty: "EC", crv: "P-256" });
    await call("POST", "/keys/k2/create?api-version=7.4", { kty: "RSA", key_size: 2048 });
    const identity = await t.ctx.principals.createManagedIdentity("fuzz-identity");
    const other = await t.ctx.principals.createServicePrincipal("fuzz-other");
    const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
    const b64 = (bytes: number) => Buffer.alloc(bytes, 7).toString("base64url");
    const lists = new Set(["/secrets", "/keys", "/deletedsecrets", "/deletedkeys", "/secrets/:name/versions", "/keys/:name/versions"]);
    const bodies: Record<string, Json> = {
      "PUT /secrets/:name": {
        value: "v",
        contentType: "text/plain",
        attributes: { enabled: true, nbf: 1, exp: 4102444800 },
        tags: { a: "b" },
      },
      "PATCH /secrets/:name": { contentType: "text/plain", attributes: { enabled: false, exp: null }, tags: { a: "b" } },
      "POST /secrets/import": {
        secrets: [
          { name: "i1", value: "v", tags: { a: "b" } },
          { name: "i2", value: "w" },
        ],
      },
      "POST /secrets/restore": { value: b64(64) },
      "POST /keys/restore": { value: b64(64) },
      "POST /keys/:name/create": {
        kty: "EC",
        crv: "P-256",
        key_ops: ["sign", "verify"],
        attributes: { enabled: true, exportable: false },
        tags: { a: "b" },
      },
      "PUT /keys/:name": { key: { ...jwk, key_ops: ["sign"] } as Json, Hsm: false, attributes: { enabled: true }, tags: { a: "b" } },
      "PATCH /keys/:name": { key_ops: ["sign", "verify"], attributes: { enabled: true, exp: 4102444800 }, tags: { a: "b" } },
      "POST /keys/:name/encrypt": { alg: "RSA-OAEP-256", value: b64(16), iv: b64(12), aad: b64(4), tag: b64(16) },
      "POST /keys/:name/sign": { alg: "ES256", value: b64(32) },
      "POST /keys/:name/verify": { alg: "ES256", digest: b64(32), value: b64(64) },
      "PUT /keys/:name/rotationpolicy": {
        lifetimeActions: [
          { trigger: { timeAfterCreate: "P30D" }, action: { type: "Rotate" } },
          { trigger: { timeBeforeExpiry: "P7D" }, action: { type: "Notify" } },
        ],
        attributes: { expiryTime: "P90D" },
      },
      "POST /rng": { count: 16 },
      "PUT /keyhold/vaults/:name": {
        softDeleteRetentionInDays: 7,
        enablePurgeProtection: false,
        enableRbacAuthorization: true,
        sku: { family: "A", name: "premium" },
      },
      "PATCH /keyhold/vaults/:name": { enableRbacAuthorization: false, sku: { family: "A", name: "standard" } },
      "PUT /keyhold/vaults/:name/accessPolicies/:principalId": { permissions: { keys: ["get"], secrets: ["all"], certificates: [] } },
      "POST /keyhold/principals": { displayName: "p", type: "servicePrincipal", lifetimeSeconds: 3600 },
      "POST /keyhold/principals/:id/credentials": { type: "clientSecret", lifetimeSeconds: 3600 },
      "POST /keyhold/roleAssignments": { principalId: other.principal.id, role: "Key Vault Reader", scope: "/vaults/test-vault" },
      "POST /keyhold/roleDefinitions": {
        roleName: "r",
        description: "d",
        permissions: {
          actions: [],
          notActions: [],
          dataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action"],
          notDataActions: [],
        },
      },
      "POST /:tenant/oauth2/token": {
        grant_type: "client_credentials",
        client_id: other.principal.id,
        client_secret: other.clientSecret,
        scope: "https://vault.azure.net/.default",
      },
    };
    const generic = (url: string) =>
      url
        .replace(/\/:version(?=\/|$)/, "")
        .replace(/\/(decrypt|wrapkey|unwrapkey)$/, "/encrypt")
        .replace("/v2.0/", "/");
    fixtures = {
      t,
      known: ["s1", "k1", "k2", "test-vault", "adfs", other.principal.id, identity.principal.id, t.ctx.tenantId, "Key%20Vault%20Reader"],
      identityHeader: identity.identityHeader,
      // A principal that does not exist: its checks come after the body's and cost no scrypt (a new credential would).
      sweepParam: (param) => ({ ":tenant": "adfs", ":id": NO_PRINCIPAL, ":principalId": NO_PRINCIPAL, ":version": "" })[param] ?? "k1",
      examples: (route) => ({
        body: bodies[`${route.method} ${route.url}`] ?? bodies[`${route.method} ${generic(route.url)}`],
        query: lists.has(route.url)
          ? [
              ["maxresults", "5"],
              ["$skiptoken", "eyJwIjoiYSJ9"],
            ]
          : route.url === "/keyhold/roleAssignments"
            ? [["principalId", other.principal.id]]
            : route.url === "/msi/token"
              ? [
                  ["api-version", "2019-08-01"],
                  ["resource", "https://vault.azure.net"],
                  ["client_id", identity.principal.id],
                ]
              : [],
      }),
    };
  });
  after(async () => {
    await t?.close();
  });

  it("finds every route in the app's route tree", () => {
    const routes = routesOf(t.app.printRoutes({ commonPrefix: false }));
    const has = (method: string, url: string) => routes.some((r) => r.method === method && r.url === url);
    assert.ok(has("POST", "/:tenant/oauth2/v2.0/token"), "identity routes");
    assert.ok(has("GET", "/msi/token"), "managed identity route");
    assert.ok(has("POST", "/keys/:name/:version/encrypt"), "nested data-plane routes");
    assert.ok(has("DELETE", "/keyhold/principals/:id/credentials/:credentialId"), "admin routes");
    assert.ok(routes.length > 80, `only ${routes.length} routes parsed`);
  });

  /** The checks every answer must pass; the message names the request. */
  const check = async (r: InjectRequest): Promise<void> => {
    const logged = errorLines.length;
    const res = await t.app.inject(r);
    const what = `${r.method} ${r.url} ${JSON.stringify(r.headers)} ${r.payload ?? ""}\n→ ${res.statusCode} ${res.body.slice(0, 300)}`;
    assert.ok(res.statusCode < 500, what);
    // Some answers are not JSON: the built-in CA's certificate (PEM, for trust stores), the metrics (Prometheus text),
    // the console's page, and the sign-in pages with their stylesheet, script and icon.
    // As the router sees it: `/keys/..` is `/`, the console's page.
    const path = new URL(r.url, "https://fuzz.invalid").pathname;
    // A body that cannot be parsed is refused before a page's handler runs, in Key Vault's JSON as everywhere.
    const page = isSignInPage(path) && !String(res.headers["content-type"]).startsWith("application/json");
    const notJson = page ? /^text\/html; charset=utf-8$/ : res.statusCode === 200 ? NOT_JSON[path] : undefined;
    if (isSignInPage(path) && !page) assert.ok([400, 404, 413, 415].includes(res.statusCode), what);
    if (res.statusCode === 302) assert.ok(isSignInPage(path) && res.headers.location, what);
    else if (notJson && r.method !== "HEAD") assert.match(String(res.headers["content-type"]), notJson, what);
    else if (r.method !== "HEAD" && res.statusCode !== 204) {
      assert.match(String(res.headers["content-type"]), /^application\/json/, what);
      assert.doesNotThrow(() => JSON.parse(res.body), what);
    }
    assert.equal(errorLines.length, logged, `${what}\nerror-level log: ${errorLines.slice(logged).join("\n")}`);
  };

  it("answers each field of each route's example broken in turn (one at a time, all else valid)", async (context) => {
    const started = Date.now();
    let sent = 0;
    const seen = new Set<Json | undefined>();
    for (const route of routesOf(t.app.printRoutes({ commonPrefix: false }))) {
      const example = fixtures.examples(route);
      // Routes that share a parser share their example: one sweep each.
      if (example.body === undefined || seen.has(example.body)) continue;
      seen.add(example.body);
      const tokenRoute = route.url.includes("/oauth2/");
      const url = `${route.url.replace(/:[A-Za-z]+/g, fixtures.sweepParam)}?${tokenRoute || route.url.startsWith("/keyhold/") ? "" : "api-version=7.4"}`;
      // A wrong client secret: each check then costs one scrypt until the client's failures are throttled (429),
      // where the right one would cost one per request.
      const base: Json = tokenRoute ? { ...(example.body as { [key: string]: Json }), client_secret: "not-the-secret" } : example.body;
      const places = placesOf(base).length;
      for (let place = 0; place < places; place++) {
        const broken: Mutation[] = [
          ...SWEEP_VALUES.map((value): Mutation => ({ place, kind: "replace", key: "", value })),
          { place, kind: "repeat", key: "", value: null },
          { place, kind: "remove", key: "", value: null },
          { place, kind: "add", key: "__proto__", value: NASTY_OBJECTS[0]! },
        ];
        for (const m of broken) {
          const body = mutate(base, m);
          const encodings = tokenRoute
            ? [
                ["application/x-www-form-urlencoded", formOf(body)],
                ["application/json", JSON.stringify(body)],
              ]
            : [["application/json", JSON.stringify(body)]];
          for (const [type, payload] of encodings) {
            const headers: Record<string, string> = { host: VAULT_HOST, "content-type": type! };
            if (!tokenRoute) headers.authorization = `Bearer ${t.token}`;
            await check({ method: route.method as InjectRequest["method"], url, headers, payload: payload! });
            sent++;
          }
        }
      }
    }
    context.diagnostic(`${sent} single-fault requests over ${seen.size} example bodies in ${Date.now() - started} ms`);
  });

  it("answers repeated and prototype-named query parameters on every route, and odd headers on each authentication path", async (context) => {
    const started = Date.now();
    let sent = 0;
    const send = async (r: InjectRequest) => {
      await check(r);
      sent++;
    };
    const bearer = `Bearer ${t.token}`;
    const names = QUERY_NAMES.filter((name) => name !== "api-version");
    for (const route of routesOf(t.app.printRoutes({ commonPrefix: false }))) {
      if (route.method === "DELETE") continue;
      const example = fixtures.examples(route);
      const tokenRoute = route.url.includes("/oauth2/");
      const path = route.url.replace(/:[A-Za-z]+/g, fixtures.sweepParam);
      const dataPlane = !(route.url.startsWith("/keyhold/") || route.url.startsWith("/:tenant") || route.url === "/msi/token");
      const base = [
        ...(dataPlane ? ["api-version=7.4"] : []),
        ...example.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
      ];
      const headers: Record<string, string> = { host: VAULT_HOST, ...(!tokenRoute && { authorization: bearer }) };
      if (route.url === "/msi/token") headers["x-identity-header"] = fixtures.identityHeader;
      const body = example.body === undefined ? {} : { payload: tokenRoute ? formOf(example.body) : JSON.stringify(example.body) };
      if (body.payload !== undefined) headers["content-type"] = tokenRoute ? "application/x-www-form-urlencoded" : "application/json";
      const method = route.method as InjectRequest["method"];
      // Each parameter a route may read, given twice (the query parser makes it an array), then named after
      // Object.prototype's members.
      await send({
        method,
        url: `${path}?${[...base, ...names.flatMap((n) => [`${n}=1`, `${n}=2`]), ...example.query.map(([k]) => `${k}=x`)].join("&")}`,
        headers,
        ...body,
      });
      await send({ method, url: `${path}?${[...base, ...names.map((n) => `${n}=constructor`)].join("&")}`, headers, ...body });
    }
    // The data plane's api-version, and each authentication path's headers.
    for (const version of ["7.4&api-version=7.4", "constructor", "__proto__", "toString", "", "%zz"]) {
      await send({ method: "GET", url: `/secrets?api-version=${version}`, headers: { host: VAULT_HOST, authorization: bearer } });
    }
    const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`;
    const authorizations = [
      "Bearer",
      "Bearer a.b.c",
      `bearer ${t.token}`,
      `${bearer}x`,
      `${bearer}, ${bearer}`,
      "PoP x",
      "Basic",
      "Basic %zz",
      "Basic ====",
      basic("%zz:%zz"),
      basic("a:%E0%A4%A"),
      basic("%:x"),
      basic(":"),
      basic(`${fixtures.known[5]}:%`),
      basic("constructor:__proto__"),
    ];
    // A wrong secret, as in the sweep of bodies: hashes stop once the client's failures are throttled.
    const token = {
      ...(fixtures.examples({ method: "POST", url: "/:tenant/oauth2/token" }).body as { [key: string]: Json }),
      client_secret: "not-the-secret",
    };
    const targets: InjectRequest[] = [
      { method: "GET", url: "/secrets?api-version=7.4", headers: { host: VAULT_HOST } },
      { method: "GET", url: "/keyhold/vaults", headers: { host: VAULT_HOST } },
      {
        method: "POST",
        url: "/adfs/oauth2/token",
        headers: { host: VAULT_HOST, "content-type": "application/x-www-form-urlencoded" },
        payload: formOf(token),
      },
      {
        method: "GET",
        url: "/msi/token?resource=https://vault.azure.net",
        headers: { host: VAULT_HOST, "x-identity-header": fixtures.identityHeader },
      },
    ];
    for (const target of targets) {
      for (const authorization of authorizations) await send({ ...target, headers: { ...target.headers, authorization } });
      for (const host of ["", "constructor.vault.azure.net", "__proto__", "[::1]", "a:b:c", "localhost:99999", "%zz.vault.azure.net"]) {
        await send({ ...target, headers: { ...target.headers, host } });
      }
    }
    for (const type of CONTENT_TYPES) await send({ ...targets[2]!, headers: { ...targets[2]!.headers, "content-type": type } });
    for (const identity of [
      "",
      "constructor",
      "__proto__",
      ".",
      `${fixtures.identityHeader}x`,
      fixtures.identityHeader.split(".")[0]!,
      "%zz",
    ]) {
      await send({ ...targets[3]!, headers: { ...targets[3]!.headers, "x-identity-header": identity } });
    }
    context.diagnostic(`${sent} query and header requests in ${Date.now() - started} ms`);
  });

  it("answers every generated request below 500, in JSON, without error-level logs", async (context) => {
    const routes = routesOf(t.app.printRoutes({ commonPrefix: false }));
    context.diagnostic(`seed ${SEED}, ${RUNS} requests over ${routes.length} routes (KEYHOLD_FUZZ_SEED, KEYHOLD_FUZZ_RUNS change them)`);
    // Routes that take a body are where parsers are: they get three times the requests.
    const request = fc.oneof(
      ...routes.map((route) => ({
        arbitrary: requestFor(route, fixtures),
        weight: ["GET", "HEAD", "DELETE"].includes(route.method) ? 1 : 3,
      })),
    );
    // Deleting the vault or the principals the requests use would leave later requests nothing to reach.
    const kept = [
      "/keyhold/vaults/test-vault",
      ...[t.principal.id, ...fixtures.known.slice(5, 7)].map((id) => `/keyhold/principals/${id}`),
    ];
    const destructive = (method: string, url: string) => method === "DELETE" && kept.some((prefix) => url.startsWith(prefix));
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        fc.pre(!destructive(r.method, r.url.split("?")[0]!));
        await check(r);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    context.diagnostic(`${RUNS} requests in ${Date.now() - started} ms`);
    const health = await t.app.inject({ method: "GET", url: "/healthz" });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: "ok" });
    assert.deepEqual(errorLines, []);
  });
});
