import type { Api } from "./api.js";
import { type Session, signOut } from "./auth.js";
import type { ConsoleConfig } from "./config.js";
import { Console } from "./context.js";
import type { Me } from "./me.js";
import { href, useRoute } from "./router.js";
import { ThemeToggle } from "./theme-toggle.js";
import { ErrorNotice, Loading, useLoad } from "./ui.js";
import { AuditView } from "./views/audit.js";
import { DeletedVaultsView } from "./views/deleted-vaults.js";
import { PrincipalsView } from "./views/principals.js";
import { VaultList } from "./views/vault-list.js";
import { VaultPage } from "./views/vault-page.js";

/** The screen before sign-in: one button, which goes to the authority's sign-in page. */
export function SignedOut({ onSignIn, error }: { onSignIn: () => void; error: unknown }) {
  return (
    <main class="signed-out">
      <h1>Keyhold</h1>
      <p>Sign in to see and manage the vaults you have access to.</p>
      <ErrorNotice error={error} />
      <button type="button" class="primary" onClick={onSignIn}>
        Sign in
      </button>
    </main>
  );
}

/** The signed-in console: a header with the user and sign-out, and the view the address names. */
export function App({ config, session, api }: { config: ConsoleConfig; session: Session; api: Api }) {
  const route = useRoute();
  const me = useLoad(() => api.admin<Me>("GET", "/keyhold/me"), []);
  const [section, vaultName, ...rest] = route;
  let view;
  if (me.error) view = <ErrorNotice error={me.error} />;
  else if (!me.data) view = <Loading />;
  else if (section === "vaults" && vaultName) view = <VaultPage vaultName={vaultName} route={rest} me={me.data} />;
  else if (section === "audit") view = <AuditView />;
  else if (section === "principals") view = <PrincipalsView />;
  else if (section === "deleted-vaults") view = <DeletedVaultsView />;
  else view = <VaultList me={me.data} onChange={me.reload} />;
  return (
    <Console.Provider value={{ api, user: session.user }}>
      <header class="top">
        <a class="brand" href={href()}>
          Keyhold
        </a>
        <nav aria-label="Main">
          <a href={href("vaults")} aria-current={section === undefined || section === "vaults" ? "page" : undefined}>
            Vaults
          </a>
          {me.data?.administrator ? (
            <>
              <a href={href("principals")} aria-current={section === "principals" ? "page" : undefined}>
                Principals
              </a>
              <a href={href("audit")} aria-current={section === "audit" ? "page" : undefined}>
                Audit log
              </a>
            </>
          ) : null}
        </nav>
        <span class="user" title={session.user.userName}>
          {session.user.name || session.user.userName}
        </span>
        <ThemeToggle />
        <button type="button" onClick={() => signOut(config)}>
          Sign out
        </button>
      </header>
      <main class="content">{view}</main>
    </Console.Provider>
  );
}
