import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { AppContext } from "../../src/server/app-context.js";
import { startBackgroundWork } from "../../src/server/background-work.js";
import type { KeyService } from "../../src/vault/key-service.js";
import { eventually } from "../support/eventually.js";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

const API = "api-version=2025-07-01";
const DAY = 86_400;

/**
 * Automatic rotation isolates a failing key: the other keys still rotate in the same round, and the failure is
 * logged once rather than at every round, again only when its error changes or after the key stopped failing.
 */
describe("background rotation of a failing key", () => {
  let t: TestApp;
  let work: { stop(): void } | null = null;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    work?.stop();
    work = null;
    await t.close();
  });

  const call = (method: "GET" | "PUT" | "POST", url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: {
        host: VAULT_HOST,
        authorization: `Bearer ${t.token}`,
        ...(payload !== undefined && { "content-type": "application/json" }),
      },
      ...(payload !== undefined && { payload: JSON.stringify(payload) }),
    });
  const versions = async (name: string): Promise<string[]> => {
    const res = await call("GET", `/keys/${name}/versions?${API}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ value: { kid: string }[] }>().value.map((v) => v.kid.split("/").pop()!);
  };

  /** Starts the background work with a short interval, counting the rounds that reached key rotation. */
  const start = (ctx: AppContext, log: (message: string) => void) => {
    const counted = { rounds: 0 };
    const keys = ctx.keys;
    const countingCtx: AppContext = Object.assign(Object.create(ctx) as AppContext, {
      keys: Object.assign(Object.create(keys) as KeyService, {
        rotateDueKeys: async (...args: Parameters<KeyService["rotateDueKeys"]>) => {
          try {
            return await keys.rotateDueKeys(...args);
          } finally {
            counted.rounds++;
          }
        },
        destroyReleasedKeys: (...args: Parameters<KeyService["destroyReleasedKeys"]>) => keys.destroyReleasedKeys(...args),
      }),
    });
    work = startBackgroundWork(t.store, countingCtx, 20, log);
    /** Waits until `n` more rounds have completed. */
    const rounds = async (n: number) => {
      const target = counted.rounds + n;
      assert.ok(await eventually(async () => counted.rounds >= target), `${n} rounds within the timeout`);
    };
    return rounds;
  };

  it("rotates the other due keys, and logs the failing one once over several rounds", async () => {
    const now = t.ctx.now();
    // Due once: its version expires within the 10 days before expiry; the rotated version expires in 90 days.
    assert.equal((await call("POST", `/keys/healthy/create?${API}`, { kty: "EC", attributes: { exp: now + DAY } })).statusCode, 200);
    const policy = {
      lifetimeActions: [{ trigger: { timeBeforeExpiry: "P10D" }, action: { type: "Rotate" } }],
      attributes: { expiryTime: "P90D" },
    };
    assert.equal((await call("PUT", `/keys/healthy/rotationpolicy?${API}`, policy)).statusCode, 200);
    // Due at every round, under an expiry no valid policy may have: written to the store directly, as a policy
    // accepted before durations were bounded would be.
    assert.equal((await call("POST", `/keys/broken/create?${API}`, { kty: "EC" })).statusCode, 200);
    const broken = {
      lifetimeActions: [{ trigger: { timeAfterCreate: "P0D" }, action: "Rotate" }],
      expiryTime: "P1000000000000Y",
      created: 0,
      updated: 0,
    };
    await t.store.setObjectPolicy("test-vault", "key", "broken", JSON.stringify(broken));
    const [brokenVersion] = await versions("broken");

    const logged: string[] = [];
    const rounds = start(t.ctx, (message) => logged.push(message));
    await rounds(6);

    assert.equal((await versions("healthy")).length, 2, "the healthy key rotated, once");
    assert.deepEqual(await versions("broken"), [brokenVersion], "the broken key did not");
    assert.equal(logged.length, 1, logged.join("\n"));
    assert.match(
      logged[0]!,
      new RegExp(`automatic rotation of test-vault/broken \\(version ${brokenVersion}\\) failed: .*rotation policy has an expiryTime`),
    );

    // Repaired, it rotates; broken again, its new version's failure is news and is logged.
    const repaired = { ...broken, expiryTime: "P90D" };
    await t.store.setObjectPolicy("test-vault", "key", "broken", JSON.stringify(repaired));
    assert.ok(await eventually(async () => (await versions("broken")).length >= 2), "rotated once repaired");
    await t.store.setObjectPolicy("test-vault", "key", "broken", JSON.stringify(broken));
    await rounds(2);
    const latest = (await versions("broken")).filter((v) => v !== brokenVersion);
    await rounds(4);
    assert.equal(logged.length, 2, logged.join("\n"));
    assert.ok(
      latest.some((v) => logged[1]!.includes(`(version ${v})`)),
      logged[1],
    );
  });

  it("logs again when the error changes or the key failed after a round without failure, with bounded memory", async () => {
    // A scripted rotation: which keys fail in each round, and with what.
    const script: [string, string][][] = [
      [
        ["v/a", "disk full"],
        ["v/b", "no HSM"],
      ],
      [
        ["v/a", "disk full"],
        ["v/b", "no HSM"],
      ],
      [
        ["v/a", "quota exceeded"],
        ["v/b", "no HSM"],
      ], // a's error changed
      [["v/b", "no HSM"]], // a rotated
      [
        ["v/a", "quota exceeded"],
        ["v/b", "no HSM"],
      ], // a fails again
      Array.from({ length: 1_500 }, (_, i): [string, string] => [`v/many-${i}`, "boom"]),
      Array.from({ length: 1_500 }, (_, i): [string, string] => [`v/many-${i}`, "boom"]),
    ];
    let round = 0;
    const keys = {
      rotateDueKeys: async (_vaults: unknown, onError: (key: string, error: unknown, version: string | null) => void) => {
        for (const [key, message] of script[round] ?? []) onError(key, new Error(message), "v1");
        round++;
        return [];
      },
      destroyReleasedKeys: async () => 0,
    };
    const logged: string[] = [];
    work = startBackgroundWork(t.store, Object.assign(Object.create(t.ctx) as AppContext, { keys }), 20, (message) => logged.push(message));
    assert.ok(await eventually(async () => round > script.length), "every scripted round ran");

    const about = (key: string) => logged.filter((m) => m.startsWith(`automatic rotation of ${key} `));
    assert.deepEqual(about("v/a"), [
      "automatic rotation of v/a (version v1) failed: disk full",
      "automatic rotation of v/a (version v1) failed: quota exceeded",
      "automatic rotation of v/a (version v1) failed: quota exceeded",
    ]);
    assert.deepEqual(about("v/b"), ["automatic rotation of v/b (version v1) failed: no HSM"]);
    // 1,500 new failures are all logged; of the same 1,500 next round, the 1,000 remembered are not.
    const many = logged.filter((m) => m.startsWith("automatic rotation of v/many-"));
    assert.equal(many.length, 1_500 + 500);
    assert.ok(!logged.some((m) => m.startsWith("background work failed")), logged.join("\n"));
  });
});
