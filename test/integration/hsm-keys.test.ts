import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VAULT_HOST, createTestApp } from "../support/test-app.js";

/** -HSM key types promise hardware protection: production refuses them without an HSM backend (issue 3). */
describe("HSM key types", () => {
  for (const [mode, expected] of [
    ["production", 400],
    ["dev", 200],
  ] as const) {
    it(`are ${expected === 400 ? "refused" : "kept in software"} in ${mode} mode`, async () => {
      const t = await createTestApp(mode);
      try {
        for (const body of [{ kty: "RSA-HSM" }, { kty: "EC-HSM", crv: "P-256" }, { kty: "oct-HSM", key_size: 256 }]) {
          const res = await t.app.inject({
            method: "POST",
            url: "/keys/hsm-key/create?api-version=2025-07-01",
            headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, "content-type": "application/json" },
            payload: JSON.stringify(body),
          });
          assert.equal(res.statusCode, expected, res.body);
          if (expected === 400) assert.equal(res.json().error.code, "BadParameter");
          else assert.equal(res.json().key.kty, body.kty);
        }
        const imported = await t.app.inject({
          method: "PUT",
          url: "/keys/hsm-import?api-version=2025-07-01",
          headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, "content-type": "application/json" },
          payload: JSON.stringify({ key: { kty: "oct", k: Buffer.alloc(32, 7).toString("base64url") }, Hsm: true }),
        });
        assert.equal(imported.statusCode, expected, imported.body);
      } finally {
        await t.close();
      }
    });
  }
});
