import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rotationDue } from "../../src/vault/rotation-policy.js";

const DAY = 86_400;

describe("automatic rotation", () => {
  it("is due timeAfterCreate after the latest version was made", () => {
    const policy = { lifetimeActions: [{ trigger: { timeAfterCreate: "P7D" }, action: "Rotate" as const }] };
    assert.equal(rotationDue(policy, { created: 0, expires: null }, 7 * DAY - 1), false);
    assert.equal(rotationDue(policy, { created: 0, expires: null }, 7 * DAY), true);
  });

  it("is due timeBeforeExpiry before the latest version expires, and never without an expiry", () => {
    const policy = { lifetimeActions: [{ trigger: { timeBeforeExpiry: "P10D" }, action: "Rotate" as const }] };
    assert.equal(rotationDue(policy, { created: 0, expires: 30 * DAY }, 19 * DAY), false);
    assert.equal(rotationDue(policy, { created: 0, expires: 30 * DAY }, 20 * DAY), true);
    assert.equal(rotationDue(policy, { created: 0, expires: null }, 100 * DAY), false);
  });

  it("is never due for a policy that only notifies", () => {
    const policy = { lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: "Notify" as const }] };
    assert.equal(rotationDue(policy, { created: 0, expires: DAY }, 100 * DAY), false);
  });
});
