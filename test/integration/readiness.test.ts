import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { after, before, describe, it } from "node:test";
import { type TestApp, createTestApp } from "../support/test-app.js";

/** `/readyz`: ready while every check passes, 503 naming the failed ones otherwise; `/healthz` stays liveness. */
describe("readiness", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp("production");
  });
  after(async () => {
    await t.app.close();
    rmSync(dirname(t.storeFile), { recursive: true, force: true });
  });

  it("answers 200 ready without a token while the store answers", async () => {
    const response = await t.app.inject({ method: "GET", url: "/readyz" });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: "ready" });
  });

  it("answers 503 naming a check that fails or hangs, and only its name", async () => {
    t.ctx.readinessChecks.push(
      {
        name: "audit",
        check: async () => {
          throw new Error("disk /var/secret-path is full");
        },
      },
      { name: "hangs", check: () => new Promise(() => undefined) },
      {
        name: "throws",
        check: () => {
          throw new Error("before any promise");
        },
      },
    );
    try {
      const response = await t.app.inject({ method: "GET", url: "/readyz" });
      assert.equal(response.statusCode, 503);
      assert.deepEqual(response.json(), { status: "unavailable", failed: ["audit", "hangs", "throws"] });
      assert.equal(response.headers["retry-after"], "1");
      assert.doesNotMatch(response.body, /secret-path/);
    } finally {
      t.ctx.readinessChecks.splice(1);
    }
  });

  it("answers 503 once the store is closed, while /healthz still answers", async () => {
    await t.store.close();
    const response = await t.app.inject({ method: "GET", url: "/readyz" });
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json(), { status: "unavailable", failed: ["store"] });
    assert.equal((await t.app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
  });
});
