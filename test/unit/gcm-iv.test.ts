import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freshGcmIv } from "../../src/crypto/gcm-iv.js";

describe("freshGcmIv", () => {
  it("hands out 96-bit IVs, none twice, across several batches", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const iv = freshGcmIv();
      assert.equal(iv.length, 12);
      seen.add(iv.toString("hex"));
    }
    assert.equal(seen.size, 1000);
  });

  it("never changes an IV already handed out (a new batch is new memory)", () => {
    const first = freshGcmIv();
    const copy = Buffer.from(first);
    for (let i = 0; i < 600; i++) freshGcmIv();
    assert.deepEqual(first, copy);
  });
});
