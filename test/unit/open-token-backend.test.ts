import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openTokenBackend } from "../../src/server/open-token-backend.js";

describe("opening the configured token at start", () => {
  it("opens nothing without an hsm setting", async () => {
    assert.equal(await openTokenBackend(null), null);
  });

  it("turns a token that cannot be opened into one line that stops the start, without the PIN", async () => {
    await assert.rejects(
      openTokenBackend({ module: "/nonexistent/libtoken.so", tokenLabel: "keyhold", pin: "pin-7777" }),
      (error: Error) => {
        assert.equal(error.name, "TokenSetupError");
        assert.match(error.message, /^the HSM token cannot be opened: .*\/nonexistent\/libtoken\.so/);
        assert.doesNotMatch(error.message, /pin-7777|\n/);
        return true;
      },
    );
  });
});
