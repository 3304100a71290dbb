import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { keyOperationResultJson } from "../../src/server/wire/key-operation-result.js";

describe("keyOperationResultJson", () => {
  const kid = 'https://vault.localhost/keys/a "quoted" \\ name/0123456789abcdef';
  const b64u = (bytes: Buffer | undefined) => bytes?.toString("base64url");

  it("is the text JSON.stringify makes of the same result, for every set of present fields", () => {
    const value = randomBytes(4096);
    const iv = randomBytes(12);
    const tag = randomBytes(16);
    for (const aad of [undefined, randomBytes(20)]) {
      for (const withIv of [false, true]) {
        const fields = { value, iv: withIv ? iv : undefined, tag: withIv ? tag : undefined, aad };
        const expected = JSON.stringify({ kid, value: b64u(value), iv: b64u(fields.iv), tag: b64u(fields.tag), aad: b64u(aad) });
        assert.equal(keyOperationResultJson(kid, fields), expected);
      }
    }
  });

  it("writes an empty value as an empty string, and parses back to the bytes", () => {
    const json = keyOperationResultJson(kid, { value: Buffer.alloc(0), tag: Buffer.from([0xfb, 0xff]) });
    assert.deepEqual(JSON.parse(json), { kid, value: "", tag: "-_8" });
  });
});
