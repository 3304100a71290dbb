import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { KeyVaultError } from "../../errors/key-vault-error.js";
import { AuthThrottled } from "../../identity/auth-throttle.js";
import { normalisedUserCode } from "../../identity/sign-in/device-codes.js";
import { PENDING_SECONDS, SESSION_SECONDS, type SignInSession } from "../../identity/sign-in/sign-in-sessions.js";
import type { AppContext } from "../app-context.js";
import { SESSION_COOKIE, csrfMatches, csrfToken, readCookie, sendPage, setCookie } from "../pages/page-reply.js";
import { codePage, deviceCodePage, deviceConfirmPage, deviceDonePage, signInPage } from "../pages/sign-in-pages.js";
import { oauthParameters } from "../wire/oauth-params.js";
import { servedAudience } from "../wire/oauth-scope.js";
import { isKnownTenant } from "../wire/tenants.js";
import { namedAs } from "./named-as.js";
import { oauthError } from "./oauth-reply.js";
import { SIGN_IN_OPERATION } from "./user-sign-in.js";

export const DEVICE_CODE_OPERATION = "identity/deviceCode";
export const DEVICE_APPROVAL_OPERATION = "identity/deviceApproval";

/** The page where a person enters a device's code, as Entra's https://microsoft.com/devicelogin. */
export const DEVICE_LOGIN_PATH = "/devicelogin";

const PAGE_FIELDS = ["csrf", "step", "code", "username", "password", "otp"];

/**
 * The device authorization grant (RFC 8628; docs/user-sign-in.md §3): the endpoint a program asks for a code, and
 * the pages where a person enters it, signs in if need be, and approves or declines. The program's polls go to the
 * token endpoint (user-token-grants.ts).
 */
export function registerDeviceLoginRoutes(app: FastifyInstance, ctx: AppContext): void {
  const signIn = ctx.signIn;
  const verificationUri = `${ctx.authorityUrl}${DEVICE_LOGIN_PATH}`;

  const deviceCode = async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
    const { tenant } = request.params;
    if (!isKnownTenant(tenant, ctx.tenantId)) return oauthError(reply, 400, "invalid_tenant", `AADSTS90002: Tenant '${tenant}' not found.`);
    const parsed = oauthParameters(request.body, ["client_id", "scope"]);
    if (!parsed.ok) return oauthError(reply, 400, "invalid_request", parsed.description);
    const { client_id: clientId, scope } = parsed.value;
    if (!(await ctx.principals.isPublicClient(clientId))) {
      return oauthError(reply, 400, "unauthorized_client", `AADSTS700016: Application with identifier '${clientId ?? ""}' was not found.`);
    }
    const audience = servedAudience(scope, undefined, ctx.hosts.resources);
    if (!audience) return oauthError(reply, 400, "invalid_scope", "AADSTS70011: The scope must name a resource this server serves.");
    const started = await signIn.devices.start(clientId!, audience);
    // expires_in and interval must be JSON numbers: MSAL does arithmetic with them.
    return reply.header("cache-control", "no-store").send({
      user_code: started.userCode,
      device_code: started.deviceCode,
      verification_uri: verificationUri,
      expires_in: started.expiresIn,
      interval: started.interval,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${started.userCode} to authenticate.`,
    });
  };
  for (const path of ["oauth2/devicecode", "oauth2/v2.0/devicecode"]) {
    app.post<{ Params: { tenant: string } }>(`/:tenant/${path}`, namedAs(DEVICE_CODE_OPERATION), deviceCode);
  }

  const confirm = async (request: FastifyRequest, reply: FastifyReply, userCode: string, session: SignInSession) => {
    const user = await ctx.principals.get(session.principalId);
    const shown = normalisedUserCode(userCode);
    const page = deviceConfirmPage(
      DEVICE_LOGIN_PATH,
      csrfToken(request, reply),
      `${shown.slice(0, 4)}-${shown.slice(4)}`,
      user?.userName ?? "",
    );
    return sendPage(reply, 200, page);
  };

  const signInForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    userCode: string,
    status: number,
    error: string | null,
    userName?: string,
  ) =>
    sendPage(
      reply,
      status,
      signInPage({
        action: DEVICE_LOGIN_PATH,
        carried: { step: "signIn", code: userCode },
        csrf: csrfToken(request, reply),
        userName,
        error,
        purpose: "Sign in to Keyhold to continue on your device.",
      }),
    );

  const codeForm = (request: FastifyRequest, reply: FastifyReply, userCode: string, status: number, error: string | null) =>
    sendPage(
      reply,
      status,
      codePage({ action: DEVICE_LOGIN_PATH, carried: { step: "totp", code: userCode }, csrf: csrfToken(request, reply), error }),
    );

  app.get(DEVICE_LOGIN_PATH, async (request, reply) =>
    sendPage(reply, 200, deviceCodePage(DEVICE_LOGIN_PATH, csrfToken(request, reply), null)),
  );

  // The audit trail records a request before its handler: the posted step says which operation it is.
  const namedByStep = {
    preValidation: (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
      const step = (request.body as Record<string, unknown> | undefined)?.step;
      if (step === "signIn" || step === "totp") request.facts.operation = SIGN_IN_OPERATION;
      if (step === "approve" || step === "decline") request.facts.operation = DEVICE_APPROVAL_OPERATION;
      done();
    },
  };

  app.post(DEVICE_LOGIN_PATH, namedByStep, async (request, reply) => {
    const parsed = oauthParameters(request.body, PAGE_FIELDS);
    const form = parsed.ok ? parsed.value : {};
    const codeAgain = (status: number, error: string) =>
      sendPage(reply, status, deviceCodePage(DEVICE_LOGIN_PATH, csrfToken(request, reply), error));
    if (!parsed.ok || !csrfMatches(request, form.csrf)) return codeAgain(400, "This page has expired. Enter the code again.");
    const userCode = form.code ?? "";
    // Codes are guessed here one at a time at most: each unknown code costs the address as a failed sign-in does.
    const admission = (() => {
      try {
        return ctx.principals.throttle.admit(`device-code:${request.ip}`, request.ip);
      } catch (error) {
        if (error instanceof AuthThrottled) return error;
        throw error;
      }
    })();
    if (admission instanceof AuthThrottled) {
      reply.header("retry-after", String(admission.retryAfterSeconds));
      return codeAgain(429, `Too many attempts. Try again in ${admission.retryAfterSeconds} seconds.`);
    }
    if (!(await signIn.devices.isPending(userCode))) {
      admission.failed();
      return codeAgain(200, "That code was not recognised, has expired, or was already used. Check it and try again.");
    }
    admission.succeeded();
    const session = await signIn.sessions.fromCookie(readCookie(request, SESSION_COOKIE));
    if (form.step === "approve" || form.step === "decline") {
      if (!session) return signInForm(request, reply, userCode, 200, null);
      request.facts.caller = { principalId: session.principalId, credentialId: session.credentialId, kind: "user" };
      const approved = form.step === "approve";
      const answered = approved ? await signIn.devices.approve(userCode, session) : await signIn.devices.decline(userCode);
      if (!answered) return codeAgain(200, "That code was not recognised, has expired, or was already used. Check it and try again.");
      return sendPage(reply, 200, deviceDonePage(approved));
    }
    if (form.step === "signIn") {
      let opened: Awaited<ReturnType<typeof signIn.sessions.signIn>> = null;
      try {
        opened = await signIn.sessions.signIn(form.username ?? "", form.password ?? "", request.ip);
      } catch (error) {
        if (error instanceof AuthThrottled) return throttledPage(request, reply, error, userCode, form.username);
        if (!(error instanceof KeyVaultError)) throw error;
      }
      if (!opened) {
        request.facts.errorCode = "InvalidUserNameOrPassword";
        return signInForm(request, reply, userCode, 200, "Your user name or password is incorrect.", form.username);
      }
      request.facts.caller = { principalId: opened.user.id, credentialId: opened.credentialId, kind: "user" };
      if (opened.pending) {
        setCookie(reply, SESSION_COOKIE, opened.cookie, PENDING_SECONDS, "Lax");
        return codeForm(request, reply, userCode, 200, null);
      }
      setCookie(reply, SESSION_COOKIE, opened.cookie, SESSION_SECONDS, "Lax");
      return confirm(request, reply, userCode, opened.session);
    }
    if (form.step === "totp") return submitTotp(request, reply, userCode, form.otp ?? "");
    return session ? confirm(request, reply, userCode, session) : signInForm(request, reply, userCode, 200, null);
  });

  // The second step of a user with a TOTP second factor: the waiting session in the cookie, and a code.
  const submitTotp = async (request: FastifyRequest, reply: FastifyReply, userCode: string, otp: string) => {
    const cookie = readCookie(request, SESSION_COOKIE);
    let step: Awaited<ReturnType<typeof signIn.sessions.completeWithCode>>;
    try {
      step = await signIn.sessions.completeWithCode(cookie, otp, request.ip);
    } catch (error) {
      if (!(error instanceof AuthThrottled)) throw error;
      request.facts.errorCode = "temporarily_unavailable";
      reply.header("retry-after", String(error.retryAfterSeconds));
      return codeForm(request, reply, userCode, 429, `Too many sign-in attempts. Try again in ${error.retryAfterSeconds} seconds.`);
    }
    if (step.outcome === "expired") {
      request.facts.errorCode = "SignInExpired";
      return signInForm(request, reply, userCode, 200, "Your sign-in has expired. Sign in again.");
    }
    if (step.outcome === "wrongCode") {
      request.facts.caller = { principalId: step.principalId, credentialId: step.credentialId, kind: "user" };
      request.facts.errorCode = "InvalidTotpCode";
      return codeForm(request, reply, userCode, 200, "That code is incorrect or was already used. Enter the current code from your app.");
    }
    request.facts.caller = { principalId: step.session.principalId, credentialId: step.session.credentialId, kind: "user" };
    setCookie(reply, SESSION_COOKIE, cookie!, SESSION_SECONDS, "Lax");
    return confirm(request, reply, userCode, step.session);
  };

  const throttledPage = (request: FastifyRequest, reply: FastifyReply, error: AuthThrottled, userCode: string, userName?: string) => {
    request.facts.errorCode = "temporarily_unavailable";
    reply.header("retry-after", String(error.retryAfterSeconds));
    return signInForm(
      request,
      reply,
      userCode,
      429,
      `Too many sign-in attempts. Try again in ${error.retryAfterSeconds} seconds.`,
      userName,
    );
  };
}
