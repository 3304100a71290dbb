import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

const API = "api-version=2025-07-01";
const DAY = 86_400;
/** 9999-12-31T23:59:59Z, the latest `exp` the API takes. */
const MAX_EXPIRES = 253_402_300_799;

type Trigger = { timeAfterCreate?: string; timeBeforeExpiry?: string };
const policyBody = (expiryTime: string | null, ...actions: [Trigger, "Rotate" | "Notify"][]) =>
  JSON.stringify({
    lifetimeActions: actions.map(([trigger, type]) => ({ trigger, action: { type } })),
    attributes: expiryTime === null ? {} : { expiryTime },
  });

/**
 * Every ISO 8601 duration a rotation policy takes is bounded: a huge expiryTime or trigger is refused with 400
 * and stores nothing, instead of being accepted and making every later rotation answer 500.
 */
describe("rotation policy duration bounds", () => {
  let t: TestApp;
  const call = (method: "GET" | "PUT" | "POST", url: string, payload?: string) =>
    t.app.inject({
      method,
      url,
      headers: {
        host: VAULT_HOST,
        authorization: `Bearer ${t.token}`,
        ...(payload !== undefined && { "content-type": "application/json" }),
      },
      ...(payload !== undefined && { payload }),
    });
  const expectBadParameter = async (res: Awaited<ReturnType<typeof call>>, message?: RegExp) => {
    assert.equal(res.statusCode, 400, res.body);
    const body = res.json<{ error?: { code?: string; message?: string } }>();
    assert.equal(body.error?.code, "BadParameter", res.body);
    if (message) assert.match(body.error?.message ?? "", message);
  };
  const getPolicy = async (name: string) => {
    const res = await call("GET", `/keys/${name}/rotationpolicy?${API}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json<object>();
  };
  const versions = async (name: string) => {
    const res = await call("GET", `/keys/${name}/versions?${API}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ value: unknown[] }>().value.length;
  };

  let stored: object;
  before(async () => {
    t = await createTestApp();
    assert.equal((await call("POST", `/keys/bounded/create?${API}`, '{"kty":"EC"}')).statusCode, 200);
    const set = await call("PUT", `/keys/bounded/rotationpolicy?${API}`, policyBody("P90D", [{ timeAfterCreate: "P30D" }, "Rotate"]));
    assert.equal(set.statusCode, 200, set.body);
    stored = await getPolicy("bounded");
  });
  after(async () => {
    await t.close();
  });

  it("refuses a huge expiryTime and stores nothing", async () => {
    for (const expiry of ["P1000000000000Y", "P999999999999D", "P36501D", "P101Y"]) {
      const res = await call("PUT", `/keys/bounded/rotationpolicy?${API}`, policyBody(expiry, [{ timeAfterCreate: "P30D" }, "Rotate"]));
      await expectBadParameter(res, /expiryTime must be at most 36500 days/);
    }
    assert.deepEqual(await getPolicy("bounded"), stored, "the policy is unchanged");
  });

  it("refuses huge lifetime action triggers and stores nothing", async () => {
    const bodies = [
      policyBody(null, [{ timeAfterCreate: "P999999999999D" }, "Rotate"]),
      policyBody(null, [{ timeAfterCreate: "P1000000000000Y" }, "Rotate"]),
      policyBody("P90D", [{ timeBeforeExpiry: "P999999999999D" }, "Rotate"]),
      policyBody("P90D", [{ timeBeforeExpiry: "PT99999999999999999999S" }, "Notify"]),
    ];
    for (const body of bodies) {
      await expectBadParameter(
        await call("PUT", `/keys/bounded/rotationpolicy?${API}`, body),
        /(timeAfterCreate|timeBeforeExpiry) must be at most 36500 days/,
      );
    }
    assert.deepEqual(await getPolicy("bounded"), stored, "the policy is unchanged");
  });

  it("refuses malformed durations with a message naming the field", async () => {
    const malformed = [
      "P",
      "PT",
      "P1DT",
      "-P30D",
      "P-30D",
      "P30.5D",
      "PT0.5H",
      "P1Y2Y",
      "P30D30D",
      "30D",
      "p30d",
      "P1e3D",
      "",
      `P${"9".repeat(400)}D`,
    ];
    for (const text of malformed) {
      await expectBadParameter(
        await call("PUT", `/keys/bounded/rotationpolicy?${API}`, policyBody("P90D", [{ timeAfterCreate: text }, "Rotate"])),
        /timeAfterCreate must be an ISO 8601 duration/,
      );
      await expectBadParameter(
        await call("PUT", `/keys/bounded/rotationpolicy?${API}`, policyBody(text, [{ timeAfterCreate: "P30D" }, "Rotate"])),
        /expiryTime must be an ISO 8601 duration/,
      );
    }
    await expectBadParameter(await call("PUT", `/keys/bounded/rotationpolicy?${API}`, JSON.stringify({ attributes: { expiryTime: 90 } })));
    assert.deepEqual(await getPolicy("bounded"), stored, "the policy is unchanged");
  });

  it("keeps Azure's minimums", async () => {
    await expectBadParameter(await call("PUT", `/keys/bounded/rotationpolicy?${API}`, policyBody("P27D")), /at least 28 days/);
    await expectBadParameter(
      await call("PUT", `/keys/bounded/rotationpolicy?${API}`, policyBody(null, [{ timeAfterCreate: "P6D" }, "Rotate"])),
      /at least 7 days/,
    );
    await expectBadParameter(
      await call("PUT", `/keys/bounded/rotationpolicy?${API}`, policyBody("P90D", [{ timeBeforeExpiry: "P6D" }, "Notify"])),
      /at least 7 days/,
    );
    assert.deepEqual(await getPolicy("bounded"), stored, "the policy is unchanged");
  });

  it("accepts the maximum, and a rotation under it gets a valid expiry", async () => {
    assert.equal((await call("POST", `/keys/longest/create?${API}`, '{"kty":"EC"}')).statusCode, 200);
    const set = await call(
      "PUT",
      `/keys/longest/rotationpolicy?${API}`,
      policyBody("P36500D", [{ timeAfterCreate: "P36499D" }, "Rotate"], [{ timeBeforeExpiry: "P36499D" }, "Notify"]),
    );
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json<{ attributes: { expiryTime: string } }>().attributes.expiryTime, "P36500D");
    assert.equal(
      (await call("PUT", `/keys/longest/rotationpolicy?${API}`, policyBody("P100Y", [{ timeAfterCreate: "P99Y" }, "Rotate"]))).statusCode,
      200,
    );

    const rotated = await call("POST", `/keys/longest/rotate?${API}`);
    assert.equal(rotated.statusCode, 200, rotated.body);
    const { created, exp } = rotated.json<{ attributes: { created: number; exp: number } }>().attributes;
    assert.equal(exp - created, 36_500 * DAY);
    assert.ok(Number.isSafeInteger(exp) && exp <= MAX_EXPIRES);
    assert.ok(!Number.isNaN(new Date(exp * 1000).getTime()));
  });

  it("answers 400, not 500, when rotating under a policy stored before durations were bounded", async () => {
    assert.equal((await call("POST", `/keys/legacy/create?${API}`, '{"kty":"EC"}')).statusCode, 200);
    // As an older Keyhold accepted it: written to the store directly, past validation.
    const legacy = {
      lifetimeActions: [{ trigger: { timeAfterCreate: "P30D" }, action: "Rotate" }],
      expiryTime: "P1000000000000Y",
      created: 0,
      updated: 0,
    };
    await t.store.setObjectPolicy("test-vault", "key", "legacy", JSON.stringify(legacy));
    await expectBadParameter(await call("POST", `/keys/legacy/rotate?${API}`), /rotation policy has an expiryTime/);
    assert.equal(await versions("legacy"), 1, "no version was made");
    // Setting a valid policy again repairs the key.
    assert.equal((await call("PUT", `/keys/legacy/rotationpolicy?${API}`, policyBody("P90D"))).statusCode, 200);
    assert.equal((await call("POST", `/keys/legacy/rotate?${API}`)).statusCode, 200);
    assert.equal(await versions("legacy"), 2);
  });
});
