import { render } from "preact";
import { Api } from "./api.js";
import { App, SignedOut } from "./app.js";
import { beginSignIn, completeSignIn } from "./auth.js";
import { loadConfig } from "./config.js";
import { applyTheme } from "./theme.js";
import "./styles.css";

/** Starts the console: the settings, then the sign-in the page may have come back with, then the app or the sign-in screen. */
async function start(root: HTMLElement): Promise<void> {
  applyTheme();
  const config = await loadConfig();
  try {
    const session = await completeSignIn(config);
    if (session) {
      render(<App config={config} session={session} api={new Api(config, session)} />, root);
      return;
    }
    render(<SignedOut onSignIn={() => void beginSignIn(config, location.hash)} error={null} />, root);
  } catch (error) {
    render(<SignedOut onSignIn={() => void beginSignIn(config, location.hash)} error={error} />, root);
  }
}

const root = document.getElementById("app")!;
start(root).catch((error: unknown) => {
  root.textContent = error instanceof Error ? error.message : String(error);
});
