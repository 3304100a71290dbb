import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyVaultError } from "../../src/errors/key-vault-error.js";
import {
  MAX_DURATION_DAYS,
  MAX_EXPIRES,
  durationSeconds,
  parseDuration,
  rotatedKeyExpires,
  rotationDue,
  validateRotationPolicy,
} from "../../src/vault/rotation-policy.js";

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

describe("rotation policy durations", () => {
  it("parses whole-number ISO 8601 durations, years as 365 days and months as 30", () => {
    assert.equal(durationSeconds("P90D"), 90 * DAY);
    assert.equal(durationSeconds("P3M"), 90 * DAY);
    assert.equal(durationSeconds("P1Y10D"), 375 * DAY);
    assert.equal(durationSeconds("P2W"), 14 * DAY);
    assert.equal(durationSeconds("PT48H"), 2 * DAY);
    assert.equal(durationSeconds("P1DT1H1M1S"), DAY + 3661);
    assert.equal(durationSeconds("P0D"), 0);
  });

  it("accepts exactly the maximum, however it is spelled, and nothing beyond it", () => {
    assert.equal(MAX_DURATION_DAYS, 36_500);
    for (const text of ["P36500D", "P100Y", "P99Y365D", "P36499DT24H", "P1200M500D"]) {
      assert.equal(durationSeconds(text), 36_500 * DAY, text);
    }
    for (const text of ["P36501D", "P100Y1D", "P36500DT1S", "P101Y", "P5215W", "PT876000H1S"]) {
      assert.equal(durationSeconds(text), null, text);
      assert.deepEqual(parseDuration(text), { problem: "too long" }, text);
    }
  });

  it("reports huge counts as too long without overflowing (no Infinity, no lost precision)", () => {
    for (const text of ["P1000000000000Y", "P999999999999D", "P9007199254740993D", `P${"9".repeat(40)}Y`, "PT99999999999999999999S"]) {
      assert.deepEqual(parseDuration(text), { problem: "too long" }, text);
      assert.equal(durationSeconds(text), null, text);
    }
  });

  it("refuses malformed durations", () => {
    const malformed = [
      "",
      "P",
      "PT",
      "P1DT",
      "T1H",
      "7D",
      "P7",
      "-P7D",
      "P-7D",
      "+P7D",
      "P7.5D",
      "P7,5D",
      "PT0.5H",
      "P1Y2Y",
      "P1D1D",
      "PT1H2H",
      "P1D1Y",
      "PT1S1M",
      "P1H",
      "PT1D",
      "P1Y T1H",
      " P7D",
      "P7D ",
      "p7d",
      "P7d",
      "P1e3D",
      "P0x10D",
      "P７D",
      "P1DP2D",
      // Longer than any duration within the maximum needs: refused before the pattern runs.
      `P${"9".repeat(400)}D`,
      `P${"0".repeat(100)}7D`,
    ];
    for (const text of malformed) {
      assert.deepEqual(parseDuration(text), { problem: "malformed" }, JSON.stringify(text));
      assert.equal(durationSeconds(text), null, JSON.stringify(text));
    }
  });

  it("never lets a policy's expiry leave the dates JavaScript and the API can hold", () => {
    const now = 1_700_000_000;
    assert.equal(rotatedKeyExpires({ expiryTime: null }, now), null);
    assert.equal(rotatedKeyExpires({ expiryTime: "P90D" }, now), now + 90 * DAY);
    const latest = rotatedKeyExpires({ expiryTime: "P36500D" }, MAX_EXPIRES - DAY);
    assert.equal(latest, MAX_EXPIRES, "capped at 9999-12-31T23:59:59Z");
    assert.equal(new Date(latest * 1000).toISOString(), "9999-12-31T23:59:59.000Z");
    // A policy stored before durations were bounded is refused, not turned into an impossible date.
    for (const expiryTime of ["P1000000000000Y", "P36501D", "P1Y2Y"]) {
      assert.throws(
        () => rotatedKeyExpires({ expiryTime }, now),
        (e: KeyVaultError) => e.status === 400 && e.code === "BadParameter",
        expiryTime,
      );
    }
  });

  it("keeps a trigger beyond the maximum from ever coming due", () => {
    const policy = { lifetimeActions: [{ trigger: { timeAfterCreate: "P999999999999D" }, action: "Rotate" as const }] };
    assert.equal(rotationDue(policy, { created: 0, expires: null }, MAX_EXPIRES), false);
  });

  it("validates every field between Azure's minimums and the maximum", () => {
    const rotate = (trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string }) => [{ trigger, action: "Rotate" as const }];
    assert.doesNotThrow(() => validateRotationPolicy(rotate({ timeAfterCreate: "P36499D" }), "P36500D"));
    assert.doesNotThrow(() => validateRotationPolicy(rotate({ timeBeforeExpiry: "P7D" }), "P28D"));
    const refusals: [ReturnType<typeof rotate>, string | null, RegExp][] = [
      [[], "P36501D", /expiryTime must be at most 36500 days/],
      [[], "P1000000000000Y", /expiryTime must be at most 36500 days/],
      [[], "P27D", /expiryTime must be at least 28 days/],
      [rotate({ timeAfterCreate: "P999999999999D" }), null, /timeAfterCreate must be at most 36500 days/],
      [rotate({ timeAfterCreate: "P6D" }), null, /timeAfterCreate must be at least 7 days/],
      [rotate({ timeBeforeExpiry: "P36501D" }), "P36500D", /timeBeforeExpiry must be at most 36500 days/],
      [rotate({ timeAfterCreate: "P1Y2Y" }), null, /timeAfterCreate must be an ISO 8601 duration/],
      [[], "PT", /expiryTime must be an ISO 8601 duration/],
    ];
    for (const [actions, expiry, message] of refusals) {
      assert.throws(
        () => validateRotationPolicy(actions, expiry),
        (e: KeyVaultError) => e.code === "BadParameter" && message.test(e.message),
        String(message),
      );
    }
  });
});
