import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CliError } from "../../src/cli/cli-error.js";
import { type LoopbackListener, listenForAuthorizationCode } from "../../src/cli/loopback-listener.js";

const STATE = "the-state-this-sign-in-sent";

/** What the browser would send to the listener: the redirect URI names localhost, the listener is on 127.0.0.1. */
const request = async (listener: LoopbackListener, init: { method?: string; path?: string; form?: string }) => {
  const address = listener.redirectUri.replace("localhost", "127.0.0.1") + (init.path ?? "/");
  const response = await fetch(address, {
    method: init.method ?? "POST",
    ...(init.form !== undefined && { headers: { "content-type": "application/x-www-form-urlencoded" }, body: init.form }),
  });
  return { status: response.status, text: await response.text() };
};

/** Whether the code promise is still waiting, as it must after a refused request. */
const stillWaiting = async (listener: LoopbackListener) =>
  (await Promise.race([
    listener.code.then(
      () => "settled",
      () => "settled",
    ),
    new Promise((r) => setTimeout(() => r("waiting"), 50)),
  ])) === "waiting";

describe("the browser sign-in's loopback listener", () => {
  it("takes the code from a form post to / with the right state, and says the window may close", async () => {
    const listener = await listenForAuthorizationCode(STATE, 10_000);
    try {
      assert.match(listener.redirectUri, /^http:\/\/localhost:\d+$/);
      const answered = await request(listener, { form: new URLSearchParams({ code: "the-code", state: STATE }).toString() });
      assert.deepEqual(answered, { status: 200, text: "Signed in to Keyhold; you may close this window.\n" });
      assert.equal(await listener.code, "the-code");
    } finally {
      await listener.close();
    }
  });

  it("refuses a wrong state, an answer in the query, other paths and methods, repeated fields; and goes on waiting", async () => {
    const listener = await listenForAuthorizationCode(STATE, 10_000);
    try {
      const wrongState = await request(listener, { form: new URLSearchParams({ code: "c", state: "guessed" }).toString() });
      assert.equal(wrongState.status, 400);
      assert.equal((await request(listener, { form: "code=c" })).status, 400, "no state");
      const repeated = `code=c&state=${STATE}&state=${STATE}`;
      assert.equal((await request(listener, { form: repeated })).status, 400);
      const query = await request(listener, { method: "GET", path: `/?code=c&state=${STATE}` });
      assert.equal(query.status, 400);
      assert.match(query.text, /form post/);
      assert.equal((await request(listener, { path: "/other", form: `code=c&state=${STATE}` })).status, 404);
      assert.equal((await request(listener, { method: "PUT", form: `code=c&state=${STATE}` })).status, 405);
      assert.equal((await request(listener, { form: `state=${STATE}` })).status, 400, "no code");
      assert.ok(await stillWaiting(listener));
      assert.equal((await request(listener, { form: `code=at-last&state=${STATE}` })).status, 200);
      assert.equal(await listener.code, "at-last");
    } finally {
      await listener.close();
    }
  });

  it("ends with the authority's error when the answer is one", async () => {
    const listener = await listenForAuthorizationCode(STATE, 10_000);
    try {
      const form = new URLSearchParams({ error: "access_denied", error_description: "the user said no", state: STATE }).toString();
      assert.equal((await request(listener, { form })).status, 200);
      await assert.rejects(listener.code, (error: unknown) => {
        assert.ok(error instanceof CliError);
        assert.deepEqual([error.code, error.message], ["access_denied", "the user said no"]);
        return true;
      });
    } finally {
      await listener.close();
    }
  });

  it("gives up after its time, and stops listening when closed", async () => {
    const listener = await listenForAuthorizationCode(STATE, 100);
    await assert.rejects(listener.code, (error: unknown) => error instanceof CliError && error.code === "SignInTimedOut");
    await listener.close();
    await assert.rejects(request(listener, { form: `code=c&state=${STATE}` }));
  });
});
