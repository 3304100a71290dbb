/**
 * The token endpoints' input (RFC 6749): form fields, query parameters and HTTP Basic client credentials,
 * checked before use. A caller may send anything there, unauthenticated: a JSON body with numbers or objects,
 * a field given twice, a Basic header that is not validly percent-encoded. Each of those is the client's
 * mistake (400 invalid_request), never a crash of the handler reading it.
 */

/** The parameters an endpoint reads, each a single string or absent. */
export type OAuthParams = Readonly<Record<string, string | undefined>>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; description: string };

/**
 * An `application/x-www-form-urlencoded` body. A name given more than once keeps every value (as an array),
 * so that the reader can refuse it (RFC 6749 §3.2: parameters must not be repeated) instead of one silently
 * winning. No prototype: a field named `__proto__` or `constructor` is a field like any other.
 */
export function parseFormBody(text: string): Record<string, string | string[]> {
  const form = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = form[name];
    form[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return form;
}

/**
 * The named parameters from a parsed form body, JSON body or query string. Only own members count (a JSON
 * object's `constructor` is not a parameter), and each must be absent or one string.
 */
export function oauthParameters(source: unknown, names: readonly string[]): Parsed<OAuthParams> {
  if (source === undefined || source === null) return { ok: true, value: {} };
  if (typeof source !== "object" || Array.isArray(source)) {
    return {
      ok: false,
      description: "AADSTS900144: The request parameters must be sent form-encoded (application/x-www-form-urlencoded).",
    };
  }
  const params: Record<string, string | undefined> = {};
  for (const name of names) {
    const value: unknown = Object.hasOwn(source, name) ? (source as Record<string, unknown>)[name] : undefined;
    if (value === undefined) continue;
    if (typeof value !== "string") {
      const why = Array.isArray(value) ? "is given more than once" : "must be a string";
      return { ok: false, description: `AADSTS900144: The parameter '${name}' ${why}.` };
    }
    params[name] = value;
  }
  return { ok: true, value: params };
}

/**
 * `Authorization: Basic base64(client_id:client_secret)`, each part percent-encoded (RFC 6749 §2.3.1).
 * null when the header is absent, not Basic, or holds no `id:secret` pair (the form's fields are used then);
 * a description when the pair is not validly percent-encoded.
 */
export function basicCredentials(header: unknown): Parsed<{ id: string; secret: string } | null> {
  if (typeof header !== "string" || !/^Basic\s+/i.test(header)) return { ok: true, value: null };
  const decoded = Buffer.from(header.replace(/^Basic\s+/i, ""), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return { ok: true, value: null };
  try {
    return { ok: true, value: { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) } };
  } catch {
    return { ok: false, description: "AADSTS900144: The client credentials in the Authorization header are not validly percent-encoded." };
  }
}
