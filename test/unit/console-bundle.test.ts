import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { PROJECT_ROOT } from "../support/dev-server.js";

const BUILT = join(PROJECT_ROOT, "dist", "console");

/** The console as `npm run build` leaves it: small, and free of what its Content-Security-Policy forbids. */
describe("the console's build", () => {
  const script = readFileSync(join(BUILT, "app.js"), "utf8");
  const page = readFileSync(join(BUILT, "index.html"), "utf8");

  it("ships its JavaScript in far under 200 KB gzipped", () => {
    const gzipped = gzipSync(script).length;
    assert.ok(gzipped < 200 * 1024, `app.js is ${gzipped} bytes gzipped`);
  });

  it("has no inline script or style in its page, and loads only its own files", () => {
    assert.doesNotMatch(page, /<script(?![^>]*\bsrc=)[^>]*>/, "an inline script");
    assert.doesNotMatch(page, /\sstyle=|<style/, "inline style");
    for (const [, url] of page.matchAll(/(?:src|href)="([^"]+)"/g)) assert.match(url!, /^\/(console|_keyhold)\//, url);
  });

  it("evaluates no code from text (eval, new Function) and names no other origin", () => {
    assert.doesNotMatch(script, /\beval\(|new Function\(/);
    assert.doesNotMatch(script, /https?:\/\/(?!www\.w3\.org\/)[a-z0-9.-]+\.[a-z]{2,}/i);
  });
});
