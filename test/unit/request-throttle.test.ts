import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AZURE_THROTTLE_LIMITS, type ThrottleLimits, throttleLimitsOf } from "../../src/config/throttle-setting.js";
import { SlidingWindow } from "../../src/server/throttle/sliding-window.js";
import { RequestThrottle } from "../../src/server/throttle/request-throttle.js";
import { throttleCategoryOf } from "../../src/server/throttle/throttle-category.js";

/** A throttle on a clock the test moves (milliseconds). */
function throttleAt(limits: Partial<ThrottleLimits>) {
  const clock = { now: 1_000_000 };
  const throttle = new RequestThrottle({ windowSeconds: 10, perVault: {}, perCaller: {}, server: {}, ...limits }, () => clock.now);
  return { throttle, clock };
}

describe("the sliding window", () => {
  it("counts the requests of the last window, in tenths of it", () => {
    const window = new SlidingWindow(1000);
    window.count(0);
    window.add();
    window.count(4_500);
    window.add();
    assert.equal(window.count(9_999), 2, "both within 10 s");
    assert.equal(window.count(10_000), 1, "the first leaves when its tenth ends 10 s later");
    assert.equal(window.count(13_999), 1);
    assert.equal(window.count(14_000), 0, "the second, counted in the tenth from 4 s, leaves at 14 s");
  });

  it("forgets everything after a window without requests, and says when a slot frees", () => {
    const window = new SlidingWindow(1000);
    window.count(2_300);
    window.add();
    window.add();
    window.count(7_100);
    window.add();
    assert.equal(window.msUntilBelow(3, 7_100), 4_900, "the first two leave at 12 s");
    assert.equal(window.msUntilBelow(1, 7_100), 9_900, "all three only when the last leaves at 17 s");
    assert.equal(window.count(50_000), 0);
  });
});

describe("the request throttle", () => {
  it("admits up to the limit per window, refuses the next with Retry-After, and admits again as requests leave", () => {
    const { throttle, clock } = throttleAt({ perVault: { allOther: 3 } });
    for (let i = 0; i < 3; i++) assert.equal(throttle.admit("v", "c", "allOther"), null);
    assert.deepEqual(throttle.admit("v", "c", "allOther"), { scope: "vault", retryAfterSeconds: 10 });
    clock.now += 9_000;
    assert.deepEqual(throttle.admit("v", "c", "allOther"), { scope: "vault", retryAfterSeconds: 1 }, "refusals are not counted");
    clock.now += 1_000;
    assert.equal(throttle.admit("v", "c", "allOther"), null);
  });

  it("counts vaults and categories apart", () => {
    const { throttle } = throttleAt({ perVault: { allOther: 1, createSecretOrImport: 1 } });
    assert.equal(throttle.admit("a", "c", "allOther"), null);
    assert.equal(throttle.admit("b", "c", "allOther"), null, "another vault has its own count");
    assert.equal(throttle.admit("a", "c", "createSecretOrImport"), null, "another category has its own count");
    assert.equal(throttle.admit("a", "c", "keyTransactions"), null, "a category without a limit is not limited");
    assert.equal(throttle.admit("a", "c", "allOther")?.scope, "vault");
    assert.equal(throttle.admit("a", "c", "createSecretOrImport")?.scope, "vault");
  });

  it("limits a caller across vaults, and the server across vaults and callers", () => {
    const { throttle } = throttleAt({ perCaller: { allOther: 2 }, server: { allOther: 3 } });
    assert.equal(throttle.admit("a", "alice", "allOther"), null);
    assert.equal(throttle.admit("b", "alice", "allOther"), null);
    assert.equal(throttle.admit("c", "alice", "allOther")?.scope, "caller");
    assert.equal(throttle.admit("c", "bob", "allOther"), null);
    assert.equal(throttle.admit("d", "carol", "allOther")?.scope, "server");
  });

  it("counts nothing for a request another scope refuses", () => {
    const { throttle } = throttleAt({ perVault: { allOther: 1 }, perCaller: { allOther: 1 } });
    assert.equal(throttle.admit("a", "alice", "allOther"), null);
    assert.equal(throttle.admit("b", "alice", "allOther")?.scope, "caller");
    assert.equal(throttle.admit("b", "bob", "allOther"), null, "vault b counted nothing for alice's refused request");
  });

  it("keeps at most maxEntries vaults", () => {
    const clock = { now: 0 };
    const throttle = new RequestThrottle({ ...AZURE_THROTTLE_LIMITS, perVault: { allOther: 1 } }, () => clock.now, 2);
    throttle.admit("a", "c", "allOther");
    throttle.admit("b", "c", "allOther");
    throttle.admit("c", "c", "allOther");
    assert.equal(throttle.admit("a", "c", "allOther"), null, "a was forgotten when c came");
    assert.equal(throttle.admit("c", "c", "allOther")?.scope, "vault");
  });
});

describe("Azure's limits", () => {
  it("are per vault per 10 s, five times that per server, none per caller", () => {
    assert.equal(throttleLimitsOf("off"), null);
    const azure = throttleLimitsOf("azure")!;
    assert.equal(azure.windowSeconds, 10);
    assert.deepEqual(azure.perVault, { createKey: 20, keyTransactions: 4000, createSecretOrImport: 300, allOther: 4000 });
    assert.deepEqual(azure.server, { createKey: 100, keyTransactions: 20000, createSecretOrImport: 1500, allOther: 20000 });
    assert.deepEqual(azure.perCaller, {});
  });

  it("put each operation in Azure's category", () => {
    assert.equal(throttleCategoryOf("secrets/get"), "allOther");
    assert.equal(throttleCategoryOf("secrets/list"), "allOther");
    assert.equal(throttleCategoryOf("certificates/get"), "allOther");
    assert.equal(throttleCategoryOf("secrets/set"), "createSecretOrImport");
    assert.equal(throttleCategoryOf("keys/import"), "createSecretOrImport");
    assert.equal(throttleCategoryOf("certificates/import"), "createSecretOrImport");
    assert.equal(throttleCategoryOf("keys/create"), "createKey");
    assert.equal(throttleCategoryOf("keys/rotate"), "createKey");
    assert.equal(throttleCategoryOf("keys/sign"), "keyTransactions");
    assert.equal(throttleCategoryOf("keys/get"), "keyTransactions");
  });
});
