import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serveConfigSchema } from "../../src/config/serve-config-schema.js";
import { AZURE_THROTTLE_LIMITS, throttleLimitsOf } from "../../src/config/throttle-setting.js";
import { throttleSettingSchema } from "../../src/config/throttle-setting-schema.js";

describe("the throttle setting", () => {
  it("is off unless the config file says otherwise", () => {
    const minimal = {
      authorityUrl: "https://keyhold.example.com",
      tls: { certFile: "c.pem", keyFile: "k.pem" },
      masterKey: { env: "MK" },
      vaultDomains: ["vault.example.com"],
    };
    assert.equal(serveConfigSchema.parse(minimal).throttle, "off");
    assert.equal(serveConfigSchema.parse({ ...minimal, throttle: "azure" }).throttle, "azure");
  });

  it("takes Azure's limits, none, or limits of one's own with a 10-second window by default", () => {
    assert.equal(throttleLimitsOf(throttleSettingSchema.parse("off")), null);
    assert.equal(throttleLimitsOf(throttleSettingSchema.parse("azure")), AZURE_THROTTLE_LIMITS);
    assert.deepEqual(throttleLimitsOf(throttleSettingSchema.parse({ perCaller: { allOther: 50 } })), {
      windowSeconds: 10,
      perVault: {},
      perCaller: { allOther: 50 },
      server: {},
    });
  });

  it("refuses unknown categories and scopes, and limits that are not whole numbers of at least 1", () => {
    for (const bad of [
      "on",
      { perVault: { secretGet: 5 } },
      { perVault: { allOther: 0 } },
      { perVault: { allOther: 1.5 } },
      { perTenant: {} },
    ]) {
      assert.equal(throttleSettingSchema.safeParse(bad).success, false, JSON.stringify(bad));
    }
    assert.equal(throttleSettingSchema.safeParse({ windowSeconds: 0 }).success, false);
  });
});
