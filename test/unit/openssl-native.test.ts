import assert from "node:assert/strict";
import {
  constants,
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from "node:crypto";
import { describe, it } from "node:test";
import {
  loadPrivateKey,
  loadPublicKey,
  rsaPkcs1Decrypt,
  signDigest,
  verifyDigest,
  type NativeKey,
  type SignatureAlgorithm,
} from "../../src/crypto/openssl-native.js";
import { RSA_GUIDANCE_KEY_PEM, RSA_GUIDANCE_VECTORS } from "../support/rsa-guidance-vectors.js";

interface Pair {
  label: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  priv: NativeKey;
  pub: NativeKey;
}

function fromKeyObjects(label: string, privateKey: KeyObject, publicKey: KeyObject): Pair {
  return {
    label,
    privateKey,
    publicKey,
    priv: loadPrivateKey(privateKey.export({ type: "pkcs8", format: "der" })),
    pub: loadPublicKey(publicKey.export({ type: "spki", format: "der" })),
  };
}

function rsaPair(bits: number): Pair {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return fromKeyObjects(`RSA-${bits}`, privateKey, publicKey);
}

function ecPair(namedCurve: string): Pair {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve });
  return fromKeyObjects(namedCurve, privateKey, publicKey);
}

const rsa2048 = rsaPair(2048);
const rsa3072 = rsaPair(3072);
const p256 = ecPair("prime256v1");
const k256 = ecPair("secp256k1");
const p384 = ecPair("secp384r1");
const p521 = ecPair("secp521r1");

type HashName = "sha256" | "sha384" | "sha512";
const hashOf = (alg: SignatureAlgorithm): HashName => (alg.endsWith("384") ? "sha384" : alg.endsWith("512") ? "sha512" : "sha256");
const digestLength = (alg: SignatureAlgorithm): number => ({ sha256: 32, sha384: 48, sha512: 64 })[hashOf(alg)];
const digestOf = (alg: SignatureAlgorithm, data: Buffer): Buffer => createHash(hashOf(alg)).update(data).digest();

/** node:crypto's options for the same scheme, so node signs and verifies what the binding does (over the data). */
function nodeOptions(alg: SignatureAlgorithm, key: KeyObject) {
  if (alg.startsWith("ES")) return { key, dsaEncoding: "ieee-p1363" as const };
  if (alg.startsWith("PS")) return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digestLength(alg) };
  return { key };
}

function flipBit(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[at]! ^= 0x01;
  return copy;
}

const signCases: Array<{ alg: SignatureAlgorithm; pair: Pair; signatureLength: number }> = [
  { alg: "RS256", pair: rsa2048, signatureLength: 256 },
  { alg: "RS384", pair: rsa2048, signatureLength: 256 },
  { alg: "RS512", pair: rsa2048, signatureLength: 256 },
  { alg: "PS256", pair: rsa2048, signatureLength: 256 },
  { alg: "PS384", pair: rsa2048, signatureLength: 256 },
  { alg: "PS512", pair: rsa2048, signatureLength: 256 },
  { alg: "RS256", pair: rsa3072, signatureLength: 384 },
  { alg: "PS384", pair: rsa3072, signatureLength: 384 },
  { alg: "ES256", pair: p256, signatureLength: 64 },
  { alg: "ES256K", pair: k256, signatureLength: 64 },
  { alg: "ES384", pair: p384, signatureLength: 96 },
  { alg: "ES512", pair: p521, signatureLength: 132 },
];

describe("openssl-native: signing and verifying a given digest", () => {
  for (const { alg, pair, signatureLength } of signCases) {
    it(`${alg} with ${pair.label}: cross-checks with node:crypto both ways`, async () => {
      const data = randomBytes(200);
      const digest = digestOf(alg, data);
      const options = nodeOptions(alg, pair.publicKey);

      const signature = await signDigest(pair.priv, alg, digest);
      assert.equal(signature.length, signatureLength);
      assert.ok(nodeVerify(hashOf(alg), data, options, signature), "node verifies the native signature");
      assert.equal(await verifyDigest(pair.pub, alg, digest, signature), true);
      assert.equal(await verifyDigest(pair.priv, alg, digest, signature), true, "a private-key handle verifies too");

      const nodeSignature = nodeSign(hashOf(alg), data, nodeOptions(alg, pair.privateKey));
      assert.equal(await verifyDigest(pair.pub, alg, digest, nodeSignature), true, "native verifies node's signature");
      if (alg.startsWith("RS")) assert.deepEqual(signature, nodeSignature, "PKCS#1 v1.5 is deterministic");

      for (const at of [0, Math.floor(signature.length / 2), signature.length - 1]) {
        const tampered = flipBit(signature, at);
        assert.equal(await verifyDigest(pair.pub, alg, digest, tampered), false, `signature bit flipped at ${at}`);
        assert.equal(nodeVerify(hashOf(alg), data, options, tampered), false);
      }
      assert.equal(await verifyDigest(pair.pub, alg, flipBit(digest, 3), signature), false, "digest bit flipped");
      assert.equal(await verifyDigest(pair.pub, alg, digestOf(alg, randomBytes(10)), nodeSignature), false);
    });
  }

  it("ECDSA: a signature of the wrong length verifies false instead of throwing", async () => {
    const digest = digestOf("ES256", randomBytes(32));
    const signature = await signDigest(p256.priv, "ES256", digest);
    assert.equal(await verifyDigest(p256.pub, "ES256", digest, signature.subarray(0, 63)), false);
    assert.equal(await verifyDigest(p256.pub, "ES256", digest, Buffer.concat([signature, Buffer.alloc(1)])), false);
    assert.equal(await verifyDigest(p256.pub, "ES256", digest, Buffer.alloc(0)), false);
    const der = nodeSign("sha256", randomBytes(8), p256.privateKey);
    assert.equal(await verifyDigest(p256.pub, "ES256", digest, der), false, "DER is not the JWS form");
    assert.equal(await verifyDigest(rsa2048.pub, "RS256", digest, Buffer.alloc(10)), false);
  });

  it("PS*: signatures are randomized (salted) yet both verify", async () => {
    const digest = digestOf("PS256", randomBytes(32));
    const [a, b] = await Promise.all([signDigest(rsa2048.priv, "PS256", digest), signDigest(rsa2048.priv, "PS256", digest)]);
    assert.notDeepEqual(a, b);
    assert.equal(await verifyDigest(rsa2048.pub, "PS256", digest, a), true);
    assert.equal(await verifyDigest(rsa2048.pub, "PS256", digest, b), true);
  });

  it("rejects a digest whose length is not the alg's hash length", async () => {
    for (const { alg, pair } of signCases) {
      for (const length of [0, 20, digestLength(alg) - 1, digestLength(alg) + 1, 64 + 32]) {
        if (length === digestLength(alg)) continue;
        await assert.rejects(signDigest(pair.priv, alg, randomBytes(length)), /digest length/, `${alg} with ${length}`);
        await assert.rejects(verifyDigest(pair.pub, alg, randomBytes(length), Buffer.alloc(8)), /digest length/);
      }
    }
  });

  it("rejects a key that does not fit the alg (type or curve)", async () => {
    const mismatches: Array<[SignatureAlgorithm, Pair]> = [
      ["ES256", rsa2048],
      ["RS256", p256],
      ["PS256", p256],
      ["ES256", k256],
      ["ES256K", p256],
      ["ES384", p256],
      ["ES512", p384],
      ["ES256", p521],
    ];
    for (const [alg, pair] of mismatches) {
      const digest = randomBytes(digestLength(alg));
      await assert.rejects(signDigest(pair.priv, alg, digest), /does not fit/, `${alg} with ${pair.label}`);
      await assert.rejects(verifyDigest(pair.pub, alg, digest, Buffer.alloc(64)), /does not fit/);
    }
  });

  it("rejects signing with a public key, an unknown alg, and what is not a key handle", async () => {
    const digest = randomBytes(32);
    await assert.rejects(signDigest(p256.pub, "ES256", digest), /private key/);
    await assert.rejects(signDigest(p256.priv, "HS256" as SignatureAlgorithm, digest), /unknown algorithm/);
    await assert.rejects(signDigest(p256.priv, "es256" as SignatureAlgorithm, digest), /unknown algorithm/);
    await assert.rejects(signDigest({} as NativeKey, "ES256", digest), /not a key handle/);
    await assert.rejects(signDigest(null as unknown as NativeKey, "ES256", digest), /not a key handle/);
  });

  it("refuses keys that do not parse or are of an unsupported type", () => {
    const der = p256.privateKey.export({ type: "pkcs8", format: "der" });
    assert.throws(() => loadPrivateKey(randomBytes(64)), /invalid PKCS#8/);
    assert.throws(() => loadPrivateKey(Buffer.concat([der, Buffer.alloc(1)])), /invalid PKCS#8/, "trailing bytes");
    assert.throws(() => loadPrivateKey(der.subarray(0, der.length - 1)), /invalid PKCS#8/);
    assert.throws(() => loadPublicKey(der), /invalid SubjectPublicKeyInfo/);
    const ed = generateKeyPairSync("ed25519");
    assert.throws(() => loadPrivateKey(ed.privateKey.export({ type: "pkcs8", format: "der" })), /unsupported key type/);
  });

  it("one key serves many concurrent jobs", async () => {
    const digests = Array.from({ length: 64 }, () => randomBytes(32));
    const signatures = await Promise.all(digests.map((d) => signDigest(p256.priv, "ES256", d)));
    const results = await Promise.all(digests.map((d, i) => verifyDigest(p256.pub, "ES256", d, signatures[i]!)));
    assert.ok(results.every((ok) => ok));
  });
});

const draftKey = loadPrivateKey(createPrivateKey(RSA_GUIDANCE_KEY_PEM).export({ type: "pkcs8", format: "der" }));

/** Raw RSA encryption (RSAEP) of a k-byte encoded message that we build ourselves, padding valid or not. */
function rawEncrypt(pair: Pair, em: Buffer): Buffer {
  return publicEncrypt({ key: pair.publicKey, padding: constants.RSA_NO_PADDING }, em);
}

function nonZeroBytes(length: number): Buffer {
  const bytes = randomBytes(length);
  for (let i = 0; i < length; i++) if (bytes[i] === 0) bytes[i] = 1 + (i % 255);
  return bytes;
}

const GENERIC = { message: "operation failed" };

describe("openssl-native: RSA1_5 (RSAES-PKCS1-v1_5) decryption with implicit rejection", () => {
  it("decrypts what node:crypto encrypted, for lengths from empty to k - 11", async () => {
    for (const [pair, lengths] of [
      [rsa2048, [0, 1, 16, 32, 100, 244, 245]],
      [rsa3072, [0, 48, 373]],
    ] as const) {
      for (const length of lengths) {
        const message = randomBytes(length);
        const ciphertext = publicEncrypt({ key: pair.publicKey, padding: constants.RSA_PKCS1_PADDING }, message);
        assert.deepEqual(await rsaPkcs1Decrypt(pair.priv, ciphertext), message, `${pair.label}, ${length} bytes`);
      }
    }
  });

  it("matches the draft's known answers, valid and synthetic", async () => {
    for (const { id, ciphertext, plaintext } of RSA_GUIDANCE_VECTORS) {
      const result = await rsaPkcs1Decrypt(draftKey, Buffer.from(ciphertext, "hex"));
      assert.equal(result.toString("hex"), plaintext, id);
    }
  });

  it("a tampered ciphertext does not throw: it yields a deterministic message other than the original", async () => {
    const message = Buffer.from("a 32-byte content encryption key");
    const ciphertext = publicEncrypt({ key: rsa2048.publicKey, padding: constants.RSA_PKCS1_PADDING }, message);
    const seen = new Set<string>();
    for (const at of [1, 50, 128, 255]) {
      const tampered = flipBit(ciphertext, at);
      const first = await rsaPkcs1Decrypt(rsa2048.priv, tampered);
      const second = await rsaPkcs1Decrypt(rsa2048.priv, tampered);
      assert.deepEqual(first, second, `deterministic, bit flipped at ${at}`);
      assert.notDeepEqual(first, message);
      assert.ok(first.length <= 256 - 11);
      seen.add(first.toString("hex"));
    }
    assert.equal(seen.size, 4, "each ciphertext has its own synthetic message");
  });

  it("a ciphertext for another key decrypts to a deterministic message, not an error", async () => {
    const other = rsaPair(2048);
    const modulus = BigInt("0x" + Buffer.from(rsa2048.publicKey.export({ format: "jwk" }).n!, "base64url").toString("hex"));
    const message = Buffer.from("secret for the other key");
    let ciphertext: Buffer;
    do {
      ciphertext = publicEncrypt({ key: other.publicKey, padding: constants.RSA_PKCS1_PADDING }, message);
    } while (BigInt("0x" + ciphertext.toString("hex")) >= modulus);
    const first = await rsaPkcs1Decrypt(rsa2048.priv, ciphertext);
    assert.deepEqual(await rsaPkcs1Decrypt(rsa2048.priv, ciphertext), first);
    assert.notDeepEqual(first, message);
    assert.deepEqual(await rsaPkcs1Decrypt(other.priv, ciphertext), message);
  });

  it("applies each padding rule of RFC 8017 §7.2.2, invalid padding giving a synthetic message", async () => {
    const k = 256;
    const build = (first: number, second: number, psLength: number, separator: boolean, message: Buffer) =>
      Buffer.concat([Buffer.from([first, second]), nonZeroBytes(psLength), Buffer.from(separator ? [0] : []), message]);

    // The shortest valid padding string: 8 bytes, leaving k - 11 for the message.
    const longest = randomBytes(k - 11);
    assert.deepEqual(await rsaPkcs1Decrypt(rsa2048.priv, rawEncrypt(rsa2048, build(0, 2, 8, true, longest))), longest);
    const empty = Buffer.alloc(0);
    assert.deepEqual(await rsaPkcs1Decrypt(rsa2048.priv, rawEncrypt(rsa2048, build(0, 2, k - 3, true, empty))), empty);

    const invalid: Array<[string, Buffer, Buffer]> = [];
    const m1 = randomBytes(k - 10);
    invalid.push(["padding string of 7 bytes", build(0, 2, 7, true, m1), m1]);
    const m2 = randomBytes(100);
    invalid.push(["block type 1", build(0, 1, k - 3 - 100, true, m2), m2]);
    invalid.push(["first byte not zero", build(1, 2, k - 3 - 100, true, m2), m2]);
    invalid.push(["no separator", build(0, 2, k - 2, false, empty), empty]);
    const seen = new Set<string>();
    for (const [rule, em, message] of invalid) {
      assert.equal(em.length, k, rule);
      const ciphertext = rawEncrypt(rsa2048, em);
      const first = await rsaPkcs1Decrypt(rsa2048.priv, ciphertext);
      assert.deepEqual(await rsaPkcs1Decrypt(rsa2048.priv, ciphertext), first, `${rule}: deterministic`);
      assert.notDeepEqual(first, message, `${rule}: not the embedded message`);
      assert.ok(first.length <= k - 11, rule);
      seen.add(first.toString("hex"));
    }
    assert.equal(seen.size, invalid.length);
  });

  it("accepts a ciphertext shorter than k (leading zero byte dropped), as OpenSSL does", async () => {
    const message = randomBytes(20);
    let ciphertext = Buffer.alloc(0);
    for (let tries = 0; tries < 10_000 && ciphertext[0] !== 0; tries++) {
      ciphertext = publicEncrypt({ key: rsa2048.publicKey, padding: constants.RSA_PKCS1_PADDING }, message);
    }
    assert.equal(ciphertext[0], 0);
    assert.deepEqual(await rsaPkcs1Decrypt(rsa2048.priv, ciphertext.subarray(1)), message);
  });

  it("fails only generically: too long, not below the modulus, empty, wrong key", async () => {
    const ciphertext = publicEncrypt({ key: rsa2048.publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from("x"));
    await assert.rejects(rsaPkcs1Decrypt(rsa2048.priv, Buffer.concat([Buffer.alloc(1), ciphertext])), GENERIC);
    await assert.rejects(rsaPkcs1Decrypt(rsa2048.priv, Buffer.alloc(256, 0xff)), GENERIC);
    await assert.rejects(rsaPkcs1Decrypt(rsa2048.priv, Buffer.alloc(0)), GENERIC);
    await assert.rejects(rsaPkcs1Decrypt(rsa2048.pub, ciphertext), GENERIC);
    await assert.rejects(rsaPkcs1Decrypt(p256.priv, ciphertext), GENERIC);
  });
});

describe("openssl-native: off the event loop", () => {
  it("8 RSA-4096 signs run on the thread pool while the event loop keeps turning", async () => {
    const data = randomBytes(64);
    const digest = digestOf("RS256", data);
    // Count the event loop's turns with a chain of setImmediate callbacks while the signs are in flight. Signing
    // on the main thread (inline, or in the completion callbacks) would leave the loop no turn in between them.
    let turns = 0;
    let spinning = true;
    const spin = (): void => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const turnsAtCompletion: number[] = [];
    const signatures = await Promise.all(
      Array.from({ length: 8 }, () =>
        signDigest(draftKey, "RS256", digest).then((signature) => {
          turnsAtCompletion.push(turns);
          return signature;
        }),
      ),
    );
    spinning = false;
    assert.ok(turnsAtCompletion[7]! >= 16, `the loop turned only ${turnsAtCompletion[7]} times during 8 RSA-4096 signs`);
    const key = createPrivateKey(RSA_GUIDANCE_KEY_PEM);
    for (const signature of signatures) assert.ok(nodeVerify("sha256", data, key, signature));
  });
});
