import { randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

/** The sign-in session at the authority (identity/sign-in/sign-in-sessions.ts). */
export const SESSION_COOKIE = "kh_session";
/** The double-submit token of the sign-in forms: a form posted from another site cannot know it. */
const CSRF_COOKIE = "kh_csrf";

/** The policy of a server-rendered page: its own script and styles only, nothing inline, no framing. */
export function pagePolicy(formTargets: readonly string[] = []): string {
  const formAction = ["'self'", ...formTargets].join(" ");
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
}

/**
 * Sends a server-rendered page with a strict Content-Security-Policy: by default pagePolicy(), whose forms post only
 * here (the form post of a sign-in answer passes its client's origin).
 */
export function sendPage(reply: FastifyReply, status: number, page: string, policy: string = pagePolicy()): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("content-security-policy", policy)
    .header("x-frame-options", "DENY")
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("cache-control", "no-store")
    .send(page);
}

/** One cookie's value from the request, or undefined. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== "string") return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A cookie only this server's pages read: HTTPS only, invisible to scripts. `maxAge` 0 removes it. */
export function setCookie(reply: FastifyReply, name: string, value: string, maxAge: number, sameSite: "Lax" | "Strict"): void {
  const cookie = `${name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=${sameSite}`;
  const previous = reply.getHeader("set-cookie");
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
  reply.header("set-cookie", [...list, cookie]);
}

/** The CSRF token for a form about to be shown: the one the browser holds, or a new one set now. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  const held = readCookie(request, CSRF_COOKIE);
  if (held && /^[A-Za-z0-9_-]{43}$/.test(held)) return held;
  const token = randomBytes(32).toString("base64url");
  setCookie(reply, CSRF_COOKIE, token, 3600, "Strict");
  return token;
}

/** Whether a posted form carries the browser's CSRF token, compared in constant time. */
export function csrfMatches(request: FastifyRequest, posted: string | undefined): boolean {
  const held = readCookie(request, CSRF_COOKIE);
  if (!held || !posted) return false;
  const a = Buffer.from(held);
  const b = Buffer.from(posted);
  return a.length === b.length && timingSafeEqual(a, b);
}
