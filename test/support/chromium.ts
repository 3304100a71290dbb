import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium: playwright-core drives it and downloads no browser of its own. */
export const CHROMIUM = "/usr/bin/chromium";

/** CI installs Chromium and sets this, so that the browser tests never skip there. */
const chromiumRequired = process.env.KEYHOLD_REQUIRE_CHROMIUM === "1";

/** Why the browser tests skip here (false: they run). With KEYHOLD_REQUIRE_CHROMIUM=1 a missing Chromium fails instead. */
export function chromiumSkipReason(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (chromiumRequired) throw new Error(`KEYHOLD_REQUIRE_CHROMIUM=1, but ${CHROMIUM} is missing (apt-get install chromium)`);
  return `Chromium is not installed (${CHROMIUM} is missing)`;
}

export interface TestChromium {
  browser: Browser;
  /** A fresh profile: no cookies, no storage. The server's certificate comes from the test CA, which Chromium does not know. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Headless Chromium as root in a sandboxed machine: no sandbox, and no background connections (the machine's closed
 * network refuses them, and Chromium would retry them all run long). Playwright gives it a throw-away profile.
 */
export async function launchChromium(): Promise<TestChromium> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    newContext: () => browser.newContext({ ignoreHTTPSErrors: true }),
    close: () => browser.close(),
  };
}
