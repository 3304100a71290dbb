import { type Html, html } from "./html.js";

/** Where the pages' stylesheet and script are served (same origin, so the CSP can say 'self'). */
export const PAGE_STYLESHEET_PATH = "/_keyhold/pages.css";
export const PAGE_SCRIPT_PATH = "/_keyhold/pages.js";
export const PAGE_ICON_PATH = "/_keyhold/icon.svg";

function layout(title: string, body: Html, withScript = false): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} · Keyhold</title>
        <link rel="icon" href="${PAGE_ICON_PATH}" type="image/svg+xml" />
        <link rel="stylesheet" href="${PAGE_STYLESHEET_PATH}" />
        ${withScript ? html`<script src="${PAGE_SCRIPT_PATH}" defer></script>` : null}
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html> `.text;
}

const hidden = (fields: Readonly<Record<string, string | undefined>>): Html[] =>
  Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`);

const alert = (message: string | null): Html | null => (message ? html`<p class="error" role="alert">${message}</p>` : null);

export interface SignInForm {
  /** Where the form posts, with the fields it carries along (the authorization request, a device's user code). */
  action: string;
  carried: Readonly<Record<string, string | undefined>>;
  csrf: string;
  userName?: string;
  error: string | null;
  /** What the sign-in is for, said above the form. */
  purpose: string;
}

export function signInPage(form: SignInForm): string {
  return layout(
    "Sign in",
    html`<h1>Sign in</h1>
      <p>${form.purpose}</p>
      ${alert(form.error)}
      <form method="post" action="${form.action}">
        ${hidden({ ...form.carried, csrf: form.csrf })}
        <label
          >Username <input name="username" type="email" autocomplete="username" required autofocus value="${form.userName ?? ""}"
        /></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
        <div class="actions"><button class="primary" type="submit">Sign in</button></div>
      </form>`,
  );
}

export interface CodeForm {
  /** Where the form posts, with the fields it carries along, as SignInForm. */
  action: string;
  carried: Readonly<Record<string, string | undefined>>;
  csrf: string;
  error: string | null;
}

/** The second step for a user with a TOTP second factor: the code from the authenticator app. */
export function codePage(form: CodeForm): string {
  return layout(
    "Enter code",
    html`<h1>Enter code</h1>
      <p>Enter the 6-digit code from your authenticator app.</p>
      ${alert(form.error)}
      <form method="post" action="${form.action}">
        ${hidden({ ...form.carried, csrf: form.csrf })}
        <label
          >Code <input name="otp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="8" required autofocus
        /></label>
        <div class="actions"><button class="primary" type="submit">Verify</button></div>
      </form>`,
  );
}

/** The answer to a client's redirect URI as a form post (OAuth 2.0 Form Post Response Mode), sent by the page's script. */
export function formPostPage(redirectUri: string, fields: Readonly<Record<string, string | undefined>>): string {
  return layout(
    "Signing in",
    html`<h1>Signing in…</h1>
      <form method="post" action="${redirectUri}" data-autosubmit>
        ${hidden(fields)}
        <p>If nothing happens, continue to the application.</p>
        <div class="actions"><button class="primary" type="submit">Continue</button></div>
      </form>`,
    true,
  );
}

/** A request that cannot be answered to its client (an unknown client, a redirect URI not allowed): said here instead. */
export function errorPage(title: string, message: string): string {
  return layout(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>`,
  );
}

export function signedOutPage(): string {
  return layout(
    "Signed out",
    html`<h1>You signed out</h1>
      <p>It's a good idea to close all browser windows.</p>`,
  );
}

export function deviceCodePage(action: string, csrf: string, error: string | null): string {
  return layout(
    "Enter code",
    html`<h1>Enter code</h1>
      <p>Enter the code shown by the application or device you want to sign in.</p>
      ${alert(error)}
      <form method="post" action="${action}">
        ${hidden({ csrf, step: "code" })}
        <label>Code <input name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus /></label>
        <div class="actions"><button class="primary" type="submit">Next</button></div>
      </form>`,
  );
}

export function deviceConfirmPage(action: string, csrf: string, userCode: string, userName: string): string {
  return layout(
    "Sign in on your device",
    html`<h1>Are you trying to sign in to Keyhold?</h1>
      <p>
        You are signing in as <strong>${userName}</strong> on the device or application that shows the code
        <span class="code">${userCode}</span>. Continue only if you started that sign-in yourself.
      </p>
      <form method="post" action="${action}">
        ${hidden({ csrf, code: userCode })}
        <div class="actions">
          <button class="secondary" type="submit" name="step" value="decline">Cancel</button>
          <button class="primary" type="submit" name="step" value="approve">Continue</button>
        </div>
      </form>`,
  );
}

export function deviceDonePage(approved: boolean): string {
  return approved
    ? layout(
        "Signed in",
        html`<h1>You're signed in</h1>
          <p>You have signed in to Keyhold on your device. You may now close this window.</p>`,
      )
    : layout(
        "Sign-in cancelled",
        html`<h1>Sign-in cancelled</h1>
          <p>The device was not signed in. You may now close this window.</p>`,
      );
}
