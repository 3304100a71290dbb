import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { type DevServer, PROJECT_ROOT } from "./dev-server.js";

/**
 * Where the console tests' screenshots go: docs/console when KEYHOLD_UPDATE_SCREENSHOTS=1 (the README shows them),
 * else a temporary folder, so that a test run changes no file of the repository.
 */
const SHOTS =
  process.env.KEYHOLD_UPDATE_SCREENSHOTS === "1" ? join(PROJECT_ROOT, "docs", "console") : mkdtempSync(join(tmpdir(), "keyhold-shots-"));

/** A full-page screenshot of the page as `NAME.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export interface DevUser {
  id: string;
  userName: string;
  password: string;
}

/** The dev server's user `dev@keyhold.local` and its password, from DIR/dev-identities.json. */
export function devUserOf(server: Pick<DevServer, "dir">): DevUser {
  return (JSON.parse(readFileSync(join(server.dir, "dev-identities.json"), "utf8")) as { user: DevUser }).user;
}
