import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { Envelope, EnvelopeError, openWithKey, sealWithKey } from "../../src/crypto/envelope.js";

describe("envelope encryption at rest", () => {
  const envelope = new Envelope(randomBytes(32));
  const plain = Buffer.from("correct horse battery staple");

  it("round-trips and never contains the plaintext", () => {
    const sealed = envelope.seal(plain, "secret/v/n/1");
    assert.ok(!sealed.includes(plain));
    assert.deepEqual(envelope.open(sealed, "secret/v/n/1"), plain);
  });

  it("uses a fresh data key and IV each time", () => {
    assert.notDeepEqual(envelope.seal(plain, "c"), envelope.seal(plain, "c"));
  });

  it("refuses another record's context, any flipped bit and another master key", () => {
    const sealed = envelope.seal(plain, "secret/v/n/1");
    assert.throws(() => envelope.open(sealed, "secret/v/n/2"), EnvelopeError);
    for (const at of [0, 5, 30, 60, 80, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[at]! ^= 0x01;
      assert.throws(() => envelope.open(tampered, "secret/v/n/1"), EnvelopeError, `bit flipped at ${at}`);
    }
    assert.throws(() => new Envelope(randomBytes(32)).open(sealed, "secret/v/n/1"), EnvelopeError);
    assert.throws(() => envelope.open(sealed.subarray(0, 20), "secret/v/n/1"), EnvelopeError);
  });

  it("refuses a master key that is not 256 bits", () => {
    assert.throws(() => new Envelope(randomBytes(16)));
  });

  it("derives distinct keys per purpose, and seals blobs under them", () => {
    const a = envelope.deriveKey("secret-backup");
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, envelope.deriveKey("other"));
    assert.deepEqual(a, envelope.deriveKey("secret-backup"));
    const blob = sealWithKey(a, plain, "aad");
    assert.deepEqual(openWithKey(a, blob, "aad"), plain);
    assert.throws(() => openWithKey(a, blob, "other-aad"), EnvelopeError);
  });
});
