import { spawn } from "node:child_process";

/**
 * The program that opens a URL in the user's browser: $BROWSER when set (as xdg-open itself honours it), else the
 * platform's opener. Windows gets rundll32's URL handler rather than `cmd /c start`, which would take the `&`s of
 * the URL as command separators.
 */
export function browserCommand(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): [string, string[]] {
  if (env.BROWSER) return [env.BROWSER, [url]];
  if (platform === "darwin") return ["open", [url]];
  if (platform === "win32") return ["rundll32", ["url.dll,FileProtocolHandler", url]];
  return ["xdg-open", [url]];
}

/**
 * Opens `url` in a browser, detached, without waiting and without failing: the CLI prints the URL anyway, so a
 * machine without a browser (an SSH session, a container) still signs in by copying it.
 */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): void {
  const [program, args] = browserCommand(url, env, platform);
  try {
    const child = spawn(program, args, { detached: true, stdio: "ignore" });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // A program name spawn refuses outright: the printed URL is the way.
  }
}
