import assert from "node:assert/strict";
import { createCipheriv, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { Envelope, EnvelopeError, masterKeyId, openWithAnyKey, sealWithKey } from "../../src/crypto/envelope.js";

const KEY_0_31 = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

function gcm(key: Buffer, iv: Buffer, plain: Buffer, aad: string): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([ciphertext, cipher.getAuthTag()]);
}

/** A record laid out by hand: format 1 (no key id) or 2 (the key id after the format byte). */
function handSealed(format: 1 | 2, master: Buffer, plain: Buffer, context: string): Buffer {
  const dek = Buffer.alloc(32, 7);
  const dekIv = Buffer.alloc(12, 1);
  const iv = Buffer.alloc(12, 2);
  const wrapped = gcm(master, dekIv, dek, context); // 32 wrapped-dek | 16 dek-tag
  const sealed = gcm(dek, iv, plain, context); // ciphertext | 16 tag
  const body = Buffer.concat([iv, sealed.subarray(-16), sealed.subarray(0, -16)]);
  const id = format === 2 ? Buffer.from(masterKeyId(master), "hex") : Buffer.alloc(0);
  return Buffer.concat([Buffer.of(format), id, dekIv, wrapped, body]);
}

describe("the envelope's keyring", () => {
  const plain = Buffer.from("correct horse battery staple");
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it("names a master key by the first 8 bytes of HMAC-SHA-256(key, 'keyhold master key id') (known answer)", () => {
    assert.equal(masterKeyId(KEY_0_31), "535e4fc8b315ae79");
    assert.equal(new Envelope(KEY_0_31).currentKeyId, "535e4fc8b315ae79");
  });

  it("seals in format 2 naming the current key, and opens hand-made records of both formats", () => {
    const envelope = new Envelope(newKey, [oldKey]);
    const sealed = envelope.seal(plain, "secret/v/n/1");
    assert.equal(sealed[0], 2);
    assert.equal(sealed.toString("hex", 1, 9), masterKeyId(newKey));
    assert.deepEqual(envelope.open(handSealed(2, newKey, plain, "c"), "c"), plain);
    assert.deepEqual(envelope.open(handSealed(2, oldKey, plain, "c"), "c"), plain);
    // Format 1 names no key: whichever configured key opens it does.
    assert.deepEqual(envelope.open(handSealed(1, oldKey, plain, "c"), "c"), plain);
    assert.deepEqual(envelope.open(handSealed(1, newKey, plain, "c"), "c"), plain);
  });

  it("refuses a record whose key is not configured, and one that names a configured key it was not sealed under", () => {
    const stranger = randomBytes(32);
    assert.throws(() => new Envelope(newKey, [oldKey]).open(handSealed(2, stranger, plain, "c"), "c"), EnvelopeError);
    assert.throws(() => new Envelope(newKey, [oldKey]).open(handSealed(1, stranger, plain, "c"), "c"), EnvelopeError);
    const lying = handSealed(2, oldKey, plain, "c");
    Buffer.from(masterKeyId(newKey), "hex").copy(lying, 1);
    assert.throws(() => new Envelope(newKey, [oldKey]).open(lying, "c"), EnvelopeError);
  });

  it("the old key alone opens nothing sealed after the rotation", () => {
    const sealed = new Envelope(newKey, [oldKey]).seal(plain, "c");
    assert.throws(() => new Envelope(oldKey).open(sealed, "c"), EnvelopeError);
  });

  it("re-wraps only the data key: the value's ciphertext stays, and the new key alone then opens it", () => {
    const before = new Envelope(oldKey).seal(plain, "secret/v/n/1");
    const ring = new Envelope(newKey, [oldKey]);
    assert.equal(ring.isCurrent(before), false);
    const after = ring.rewrap(before, "secret/v/n/1")!;
    assert.equal(ring.isCurrent(after), true);
    assert.deepEqual(after.subarray(1 + 8 + 60), before.subarray(1 + 8 + 60), "iv, tag and ciphertext unchanged");
    assert.deepEqual(new Envelope(newKey).open(after, "secret/v/n/1"), plain);
    assert.throws(() => new Envelope(oldKey).open(after, "secret/v/n/1"), EnvelopeError);
    assert.equal(ring.rewrap(after, "secret/v/n/1"), null, "already under the current key");
    const legacy = ring.rewrap(handSealed(1, oldKey, plain, "c"), "c")!;
    assert.deepEqual(new Envelope(newKey).open(legacy, "c"), plain);
  });

  it("refuses to re-wrap under another record's context or a record whose value was tampered with", () => {
    const before = new Envelope(oldKey).seal(plain, "secret/v/n/1");
    const ring = new Envelope(newKey, [oldKey]);
    assert.throws(() => ring.rewrap(before, "secret/v/n/2"), EnvelopeError);
    const tampered = Buffer.from(before);
    tampered[tampered.length - 1]! ^= 1;
    assert.throws(() => ring.rewrap(tampered, "secret/v/n/1"), EnvelopeError);
  });

  it("keeps one cached data key per wrapped key and context: a re-wrapped record and another context miss it", () => {
    const ring = new Envelope(newKey, [oldKey]);
    const old = handSealed(2, oldKey, plain, "c");
    assert.deepEqual(ring.open(old, "c"), plain);
    const rewrapped = ring.rewrap(old, "c")!;
    assert.deepEqual(ring.open(rewrapped, "c"), plain);
    assert.throws(() => ring.open(old, "d"), EnvelopeError, "the cache is per context too");
  });

  it("derives keys from the current key first, and opens blobs sealed under an older key's derivation", () => {
    const before = new Envelope(oldKey);
    const blob = sealWithKey(before.deriveKey("secret-backup"), plain, "backup/secret");
    const ring = new Envelope(newKey, [oldKey]);
    assert.deepEqual(ring.deriveKey("secret-backup"), new Envelope(newKey).deriveKey("secret-backup"));
    assert.equal(ring.derivedKeys("secret-backup").length, 2);
    assert.deepEqual(openWithAnyKey(ring.derivedKeys("secret-backup"), blob, "backup/secret"), plain);
    assert.throws(() => openWithAnyKey(new Envelope(newKey).derivedKeys("secret-backup"), blob, "backup/secret"), EnvelopeError);
  });
});
