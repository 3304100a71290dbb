import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { Envelope, EnvelopeError } from "../../src/crypto/envelope.js";

/** Format 2: 1 format | 8 master-key-id | 12 dek-iv | 32 wrapped-dek | 16 dek-tag | … */
const WRAPPED_DEK_AT = 1 + 8 + 12;

describe("envelope data key cache", () => {
  it("serves a context's cached data key only to the record it was unwrapped from", () => {
    const envelope = new Envelope(randomBytes(32));
    const first = envelope.seal(Buffer.from("first"), "secret/v/n/1");
    const second = envelope.seal(Buffer.from("second"), "secret/v/n/1");
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(envelope.open(first, "secret/v/n/1"), Buffer.from("first"));
      assert.deepEqual(envelope.open(second, "secret/v/n/1"), Buffer.from("second"));
    }
  });

  it("keeps its own copy of the wrapped key: a record changed in place after a read no longer opens", () => {
    const envelope = new Envelope(randomBytes(32));
    const record = envelope.seal(Buffer.from("value"), "secret/v/n/1");
    assert.deepEqual(envelope.open(record, "secret/v/n/1"), Buffer.from("value"));
    record[WRAPPED_DEK_AT]! ^= 0x01;
    assert.throws(() => envelope.open(record, "secret/v/n/1"), EnvelopeError);
  });
});
