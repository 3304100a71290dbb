import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { metricsListenOf, metricsSettingSchema } from "../../src/config/metrics-setting.js";

/** `metrics.listen` in the config file: `HOST:PORT` or null. */
describe("the metrics setting", () => {
  it("is off by default", () => {
    assert.equal(metricsSettingSchema.parse(undefined).listen, null);
    assert.equal(metricsListenOf(null), null);
  });

  it("reads a host name, an IPv4 address or a bracketed IPv6 address, and a port", () => {
    const listen = (value: string) => metricsListenOf(metricsSettingSchema.parse({ listen: value }).listen);
    assert.deepEqual(listen("10.0.0.5:9464"), { host: "10.0.0.5", port: 9464 });
    assert.deepEqual(listen("metrics.internal:9464"), { host: "metrics.internal", port: 9464 });
    assert.deepEqual(listen("[::1]:9464"), { host: "::1", port: 9464 });
  });

  it("refuses what is not HOST:PORT, a port over 65535 and unknown keys", () => {
    for (const listen of ["9464", "host:", ":9464", "host:70000", "::1:9464", "http://host:9464", "host:9464/metrics"])
      assert.equal(metricsSettingSchema.safeParse({ listen }).success, false, listen);
    assert.equal(metricsSettingSchema.safeParse({ port: 9464 }).success, false);
  });
});
