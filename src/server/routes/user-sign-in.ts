import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { KeyVaultError } from "../../errors/key-vault-error.js";
import { AuthThrottled } from "../../identity/auth-throttle.js";
import { isS256Challenge } from "../../identity/sign-in/pkce.js";
import { isAllowedRedirect } from "../../identity/sign-in/public-clients.js";
import { PENDING_SECONDS, SESSION_SECONDS, type SignInSession } from "../../identity/sign-in/sign-in-sessions.js";
import type { AppContext } from "../app-context.js";
import { PAGE_ICON, PAGE_SCRIPT, PAGE_STYLESHEET } from "../pages/page-assets.js";
import { SESSION_COOKIE, csrfMatches, csrfToken, pagePolicy, readCookie, sendPage, setCookie } from "../pages/page-reply.js";
import {
  PAGE_ICON_PATH,
  PAGE_SCRIPT_PATH,
  PAGE_STYLESHEET_PATH,
  codePage,
  errorPage,
  formPostPage,
  signInPage,
  signedOutPage,
} from "../pages/sign-in-pages.js";
import { type OAuthParams, oauthParameters } from "../wire/oauth-params.js";
import { servedAudience } from "../wire/oauth-scope.js";
import { isKnownTenant } from "../wire/tenants.js";
import { namedAs } from "./named-as.js";

/** How sign-ins and sign-outs at the authority are named in request outcomes (the log, metrics, the audit trail). */
export const SIGN_IN_OPERATION = "identity/signIn";
export const SIGN_OUT_OPERATION = "identity/signOut";

const AUTHORIZE_PARAMETERS = [
  "client_id",
  "redirect_uri",
  "response_type",
  "response_mode",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
  "nonce",
  "prompt",
  "login_hint",
];
const SIGN_IN_FIELDS = [...AUTHORIZE_PARAMETERS, "username", "password", "csrf", "step", "otp"];

/** Where and how the answer to an authorization request goes. */
interface ClientTarget {
  redirectUri: string;
  responseMode: "query" | "form_post";
  state: string | undefined;
}

interface AuthorizeRequest extends ClientTarget {
  clientId: string;
  codeChallenge: string;
  audience: string;
  nonce: string | null;
  prompt: string | undefined;
}

type Checked =
  | { ok: true; request: AuthorizeRequest }
  | { ok: false; page: string }
  | { ok: false; target: ClientTarget; error: string; description: string };

/**
 * The authorization endpoint (RFC 6749 §4.1, with PKCE and form_post as MSAL sends them; docs/user-sign-in.md §2),
 * its sign-in page, and sign-out. Codes go only to a loopback redirect URI or to this server's own pages; a request
 * naming any other is refused on a page of its own, never redirected.
 */
export function registerUserSignInRoutes(app: FastifyInstance, ctx: AppContext): void {
  const signIn = ctx.signIn;
  const ownPages = [`${ctx.authorityUrl}/`];

  const check = async (tenant: string, params: OAuthParams): Promise<Checked> => {
    if (!isKnownTenant(tenant, ctx.tenantId)) return { ok: false, page: errorPage("Sign-in failed", `Tenant '${tenant}' not found.`) };
    if (!(await ctx.principals.isPublicClient(params.client_id))) {
      return { ok: false, page: errorPage("Sign-in failed", `Application with identifier '${params.client_id ?? ""}' was not found.`) };
    }
    const redirectUri = params.redirect_uri;
    if (!redirectUri || !isAllowedRedirect(redirectUri, ownPages)) {
      return { ok: false, page: errorPage("Sign-in failed", "The redirect URI is not one this application may use.") };
    }
    const responseMode = params.response_mode ?? "query";
    const target: ClientTarget = { redirectUri, responseMode: responseMode === "form_post" ? "form_post" : "query", state: params.state };
    const refuse = (error: string, description: string): Checked => ({ ok: false, target, error, description });
    if (responseMode !== "query" && responseMode !== "form_post")
      return refuse("invalid_request", "response_mode must be query or form_post.");
    if (params.response_type !== "code") return refuse("unsupported_response_type", "Only response_type=code is supported.");
    if (!params.code_challenge || params.code_challenge_method !== "S256" || !isS256Challenge(params.code_challenge)) {
      return refuse("invalid_request", "AADSTS9002325: Proof Key for Code Exchange (S256) is required.");
    }
    const audience = servedAudience(params.scope, undefined, ctx.hosts.resources);
    if (!audience)
      return refuse("invalid_scope", "AADSTS70011: The scope must name a resource this server serves, as '<resource>/.default'.");
    const request: AuthorizeRequest = {
      ...target,
      clientId: params.client_id!,
      codeChallenge: params.code_challenge,
      audience,
      nonce: params.nonce ?? null,
      prompt: params.prompt,
    };
    return { ok: true, request };
  };

  const answerClient = (reply: FastifyReply, target: ClientTarget, fields: Record<string, string>): FastifyReply => {
    const answer = { ...fields, ...(target.state === undefined ? {} : { state: target.state }) };
    if (target.responseMode === "form_post") {
      return sendPage(reply, 200, formPostPage(target.redirectUri, answer), pagePolicy([new URL(target.redirectUri).origin]));
    }
    const url = new URL(target.redirectUri);
    for (const [name, value] of Object.entries(answer)) url.searchParams.set(name, value);
    return reply.code(302).header("cache-control", "no-store").header("location", url.toString()).send();
  };

  const issueCode = async (reply: FastifyReply, session: SignInSession, request: AuthorizeRequest) => {
    const code = await signIn.codes.issue(session, request);
    return answerClient(reply, request, { code });
  };

  const showSignIn = (
    request: FastifyRequest,
    reply: FastifyReply,
    params: OAuthParams,
    status: number,
    error: string | null,
    userName?: string,
  ): FastifyReply => {
    const page = signInPage({
      action: request.url.split("?")[0]!,
      carried: Object.fromEntries(AUTHORIZE_PARAMETERS.map((name) => [name, params[name]])),
      csrf: csrfToken(request, reply),
      userName: userName ?? params.login_hint,
      error,
      purpose: "Sign in to Keyhold with your user name and password.",
    });
    return sendPage(reply, status, page);
  };

  const showCode = (request: FastifyRequest, reply: FastifyReply, params: OAuthParams, status: number, error: string | null) => {
    const page = codePage({
      action: request.url.split("?")[0]!,
      carried: { ...Object.fromEntries(AUTHORIZE_PARAMETERS.map((name) => [name, params[name]])), step: "totp" },
      csrf: csrfToken(request, reply),
      error,
    });
    return sendPage(reply, status, page);
  };

  // Marks the request refused for too many attempts, and answers what the page says.
  const throttledMessage = (request: FastifyRequest, reply: FastifyReply, error: AuthThrottled): string => {
    request.facts.errorCode = "temporarily_unavailable";
    reply.header("retry-after", String(error.retryAfterSeconds));
    return `Too many sign-in attempts. Try again in ${error.retryAfterSeconds} seconds.`;
  };

  // The second step of a user with a TOTP second factor: the waiting session in the cookie, and a code.
  const submitCode = async (request: FastifyRequest, reply: FastifyReply, form: OAuthParams, authorizeRequest: AuthorizeRequest) => {
    const cookie = readCookie(request, SESSION_COOKIE);
    let step: Awaited<ReturnType<typeof signIn.sessions.completeWithCode>>;
    try {
      step = await signIn.sessions.completeWithCode(cookie, form.otp ?? "", request.ip);
    } catch (error) {
      if (!(error instanceof AuthThrottled)) throw error;
      return showCode(request, reply, form, 429, throttledMessage(request, reply, error));
    }
    if (step.outcome === "expired") {
      request.facts.errorCode = "SignInExpired";
      return showSignIn(request, reply, form, 200, "Your sign-in has expired. Sign in again.");
    }
    if (step.outcome === "wrongCode") {
      request.facts.caller = { principalId: step.principalId, credentialId: step.credentialId, kind: "user" };
      request.facts.errorCode = "InvalidTotpCode";
      return showCode(request, reply, form, 200, "That code is incorrect or was already used. Enter the current code from your app.");
    }
    request.facts.caller = { principalId: step.session.principalId, credentialId: step.session.credentialId, kind: "user" };
    setCookie(reply, SESSION_COOKIE, cookie!, SESSION_SECONDS, "Lax");
    return issueCode(reply, step.session, authorizeRequest);
  };

  const authorize = async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
    const parsed = oauthParameters(request.query, AUTHORIZE_PARAMETERS);
    if (!parsed.ok) return sendPage(reply, 400, errorPage("Sign-in failed", parsed.description));
    const checked = await check(request.params.tenant, parsed.value);
    if (!checked.ok) {
      if ("page" in checked) return sendPage(reply, 400, checked.page);
      return answerClient(reply, checked.target, { error: checked.error, error_description: checked.description });
    }
    const session = checked.request.prompt === "login" ? null : await signIn.sessions.fromCookie(readCookie(request, SESSION_COOKIE));
    if (session) return issueCode(reply, session, checked.request);
    if (checked.request.prompt === "none") {
      return answerClient(reply, checked.request, { error: "login_required", error_description: "AADSTS50058: No user is signed in." });
    }
    return showSignIn(request, reply, parsed.value, 200, null);
  };

  const submitSignIn = async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
    const parsed = oauthParameters(request.body, SIGN_IN_FIELDS);
    if (!parsed.ok) return sendPage(reply, 400, errorPage("Sign-in failed", parsed.description));
    const form = parsed.value;
    const checked = await check(request.params.tenant, form);
    if (!checked.ok) {
      if ("page" in checked) return sendPage(reply, 400, checked.page);
      return answerClient(reply, checked.target, { error: checked.error, error_description: checked.description });
    }
    if (!csrfMatches(request, form.csrf)) {
      request.facts.errorCode = "CsrfTokenMismatch";
      return showSignIn(request, reply, form, 400, "This sign-in page has expired. Sign in again.", form.username);
    }
    if (form.step === "totp") return submitCode(request, reply, form, checked.request);
    const userName = form.username ?? "";
    let opened: Awaited<ReturnType<typeof signIn.sessions.signIn>>;
    try {
      opened = await signIn.sessions.signIn(userName, form.password ?? "", request.ip);
    } catch (error) {
      if (error instanceof AuthThrottled) return showSignIn(request, reply, form, 429, throttledMessage(request, reply, error), userName);
      // A user name that cannot be one (too long, not name@domain) is refused like a wrong password.
      if (!(error instanceof KeyVaultError)) throw error;
      opened = null;
    }
    if (!opened) {
      request.facts.errorCode = "InvalidUserNameOrPassword";
      return showSignIn(request, reply, form, 200, "Your user name or password is incorrect.", userName);
    }
    request.facts.caller = { principalId: opened.user.id, credentialId: opened.credentialId, kind: "user" };
    if (opened.pending) {
      setCookie(reply, SESSION_COOKIE, opened.cookie, PENDING_SECONDS, "Lax");
      return showCode(request, reply, form, 200, null);
    }
    setCookie(reply, SESSION_COOKIE, opened.cookie, SESSION_SECONDS, "Lax");
    return issueCode(reply, opened.session, checked.request);
  };

  for (const path of ["oauth2/authorize", "oauth2/v2.0/authorize"]) {
    app.get<{ Params: { tenant: string } }>(`/:tenant/${path}`, authorize);
    app.post<{ Params: { tenant: string } }>(`/:tenant/${path}`, namedAs(SIGN_IN_OPERATION), submitSignIn);
  }

  // Ends the browser's sign-in, and the refresh tokens obtained through it; then back to the client if it may be.
  const signOut = async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
    if (!isKnownTenant(request.params.tenant, ctx.tenantId)) return sendPage(reply, 400, errorPage("Sign-out failed", "Tenant not found."));
    const parsed = oauthParameters(request.query, ["post_logout_redirect_uri", "state"]);
    const cookie = readCookie(request, SESSION_COOKIE);
    const session = await signIn.sessions.fromCookie(cookie);
    if (session) request.facts.caller = { principalId: session.principalId, credentialId: session.credentialId, kind: "user" };
    await signIn.sessions.end(cookie);
    setCookie(reply, SESSION_COOKIE, "", 0, "Lax");
    const back = parsed.ok ? parsed.value.post_logout_redirect_uri : undefined;
    if (back && isAllowedRedirect(back, ownPages)) {
      const url = new URL(back);
      if (parsed.ok && parsed.value.state !== undefined) url.searchParams.set("state", parsed.value.state);
      return reply.code(302).header("cache-control", "no-store").header("location", url.toString()).send();
    }
    return sendPage(reply, 200, signedOutPage());
  };
  for (const path of ["oauth2/logout", "oauth2/v2.0/logout"]) {
    app.get<{ Params: { tenant: string } }>(`/:tenant/${path}`, namedAs(SIGN_OUT_OPERATION), signOut);
  }

  const asset = (type: string, body: string) => async (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .header("content-type", type)
      .header("cache-control", "public, max-age=3600")
      .header("x-content-type-options", "nosniff")
      .send(body);
  app.get(PAGE_STYLESHEET_PATH, asset("text/css; charset=utf-8", PAGE_STYLESHEET));
  app.get(PAGE_SCRIPT_PATH, asset("text/javascript; charset=utf-8", PAGE_SCRIPT));
  app.get(PAGE_ICON_PATH, asset("image/svg+xml", PAGE_ICON));
}
