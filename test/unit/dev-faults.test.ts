import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import { DevFaults } from "../../src/server/dev-faults.js";

describe("dev faults", () => {
  it("answer the matching requests count times, then are gone", () => {
    const faults = new DevFaults();
    const fault = faults.add(503, 2, "GET /secrets/*");
    assert.deepEqual(fault, { id: 1, status: 503, remaining: 2, match: "GET /secrets/*" });
    assert.equal(faults.take("POST", "/secrets/a?api-version=7.6"), null, "another method");
    assert.equal(faults.take("GET", "/keys/a?api-version=7.6"), null, "another path");
    assert.equal(faults.take("GET", "/secrets/a?api-version=7.6"), 503);
    assert.deepEqual(faults.list(), [{ ...fault, remaining: 1 }]);
    assert.equal(faults.take("GET", "/SECRETS/b/0123//"), 503, "paths compare as the router does");
    assert.deepEqual(faults.list(), []);
    assert.equal(faults.take("GET", "/secrets/a"), null);
  });

  it("match any method without one, the whole path with `*`, and the first fault first", () => {
    const faults = new DevFaults();
    faults.add(429, 1, "/secrets/a");
    assert.equal(faults.add(503, 1, "PUT *").match, "PUT /*");
    faults.add(500, 1, "*");
    assert.equal(faults.take("DELETE", "/secrets/a"), 429);
    assert.equal(faults.take("DELETE", "/secrets/a"), 500);
    assert.equal(faults.take("DELETE", "/secrets/a"), null);
    assert.equal(faults.take("GET", "/secrets/ab"), null);
    assert.equal(faults.take("PUT", "/secrets/ab"), 503);
  });

  it("are cleared at once", () => {
    const faults = new DevFaults();
    faults.add(429, 5, "* /keys/*/sign");
    faults.add(500, 5, "GET /secrets");
    assert.equal(faults.clear(), 2);
    assert.equal(faults.take("POST", "/keys/k/v1/sign"), null);
  });

  it("refuse a status, count or pattern they cannot take, with Azure's BadParameter", () => {
    const faults = new DevFaults();
    const code = (f: () => unknown) => {
      try {
        f();
        return "accepted";
      } catch (error) {
        return error instanceof KeyVaultError ? `${error.status} ${error.code}` : "other";
      }
    };
    assert.equal(
      code(() => faults.add(404, 1, "*")),
      "400 BadParameter",
    );
    assert.equal(
      code(() => faults.add(503, 0, "*")),
      "400 BadParameter",
    );
    assert.equal(
      code(() => faults.add(503, 1.5, "*")),
      "400 BadParameter",
    );
    assert.equal(
      code(() => faults.add(503, 1, "secrets")),
      "400 BadParameter",
    );
    assert.equal(
      code(() => faults.add(503, 1, "GET /secrets?x")),
      "400 BadParameter",
    );
    assert.equal(
      code(() => faults.add(503, 1, 7)),
      "400 BadParameter",
    );
    assert.deepEqual(faults.list(), []);
  });
});
