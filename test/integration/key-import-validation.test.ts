import assert from "node:assert/strict";
import { type JsonWebKey, generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type TestApp, VAULT_HOST, createTestApp } from "../support/test-app.js";

const rsaJwk = (modulusLength: number, publicExponent = 65537): JsonWebKey =>
  generateKeyPairSync("rsa", { modulusLength, publicExponent }).privateKey.export({ format: "jwk" });
const ecJwk = (namedCurve: string): JsonWebKey => generateKeyPairSync("ec", { namedCurve }).privateKey.export({ format: "jwk" });

/** The base64url big-endian encoding of a JWK integer. */
const b64 = (value: bigint): string => {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex").toString("base64url");
};
const flipLastBit = (member: string): string => {
  const bytes = Buffer.from(member, "base64url");
  bytes[bytes.length - 1]! ^= 1;
  return bytes.toString("base64url");
};

/**
 * Importing a key must refuse what creation would never make (short moduli, bad exponents) and key pairs whose
 * parts do not belong together, with 400 BadParameter and nothing stored.
 */
describe("key import validation", () => {
  let t: TestApp;
  let counter = 0;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  const call = (method: "GET" | "PUT", name: string, body?: unknown) =>
    t.app.inject({
      method,
      url: `/keys/${name}?api-version=7.4`,
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, "content-type": "application/json" },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });

  const importKey = (jwk: JsonWebKey) => {
    const name = `imported-${++counter}`;
    return { name, response: call("PUT", name, { key: jwk }) };
  };

  const expectRefused = async (jwk: JsonWebKey, message: RegExp) => {
    const { name, response } = importKey(jwk);
    const res = await response;
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error.code, "BadParameter");
    assert.match(res.json().error.message, message);
    assert.equal((await call("GET", name)).statusCode, 404, "a refused key is not stored");
  };

  const expectAccepted = async (jwk: JsonWebKey) => {
    const { name, response } = importKey(jwk);
    const res = await response;
    assert.equal(res.statusCode, 200, res.body);
    const got = await call("GET", name);
    assert.equal(got.statusCode, 200, got.body);
    const key = got.json().key;
    if (jwk.kty === "RSA") assert.deepEqual([key.n, key.e], [jwk.n, jwk.e]);
    else assert.deepEqual([key.x, key.y], [jwk.x, jwk.y]);
  };

  it("refuses RSA moduli below 2048 bits", async () => {
    await expectRefused(rsaJwk(512), /modulus is 512 bits/);
    await expectRefused(rsaJwk(1024), /modulus is 1024 bits/);
  });

  it("refuses public exponents creation would refuse, and takes e = 3 as creation does", async () => {
    const good = rsaJwk(2048);
    for (const e of [1n, 2n, 65536n, 2n ** 53n + 1n, 2n ** 4096n + 1n]) {
      await expectRefused({ ...good, e: b64(e) }, /public exponent must be an odd integer of at least 3/);
    }
    await expectAccepted(rsaJwk(2048, 3));
    const created = await t.app.inject({
      method: "POST",
      url: "/keys/created-e3/create?api-version=7.4",
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, "content-type": "application/json" },
      payload: JSON.stringify({ kty: "RSA", public_exponent: 3 }),
    });
    assert.equal(created.statusCode, 200, created.body);
  });

  it("refuses RSA private parts that do not match the public part", async () => {
    const good = rsaJwk(2048);
    const other = rsaJwk(2048);
    const mismatch = /does not match its public key or its CRT parameters are wrong/;
    // Another key's factors, with or without its CRT values: n is no longer p·q.
    await expectRefused({ ...good, p: other.p, q: other.q }, mismatch);
    await expectRefused({ ...good, p: other.p, q: other.q, dp: other.dp, dq: other.dq, qi: other.qi }, mismatch);
    // p and q exchanged: n = p·q still holds, but dp, dq and qi are now wrong.
    await expectRefused({ ...good, p: good.q, q: good.p }, mismatch);
    // A wrong d beside right CRT values: OpenSSL signs through the CRT values and would not notice.
    await expectRefused({ ...good, d: flipLastBit(good.d!) }, mismatch);
    await expectRefused({ ...good, d: other.d }, mismatch);
    await expectRefused({ ...good, dp: flipLastBit(good.dp!) }, mismatch);
    await expectRefused({ ...good, qi: flipLastBit(good.qi!) }, mismatch);
    // Another key's whole private part under this public key.
    await expectRefused({ ...other, n: good.n }, mismatch);
  });

  it("refuses EC points off the curve and private keys of another point", async () => {
    const good = ecJwk("P-256");
    const other = ecJwk("P-256");
    await expectRefused({ ...good, y: flipLastBit(good.y!) }, /not a valid private key/);
    await expectRefused({ ...good, d: other.d }, /'d' does not match the public point/);
    await expectRefused({ ...good, x: other.x, y: other.y }, /'d' does not match the public point/);
    const p384 = ecJwk("P-384");
    await expectRefused({ ...p384, d: ecJwk("P-384").d }, /'d' does not match the public point/);
  });

  it("accepts well-formed RSA and EC keys", async () => {
    for (const bits of [2048, 3072, 4096]) await expectAccepted(rsaJwk(bits));
    await expectAccepted(ecJwk("P-256"));
    await expectAccepted(ecJwk("P-384"));
    await expectAccepted(ecJwk("P-521"));
    await expectAccepted({ ...ecJwk("secp256k1"), crv: "P-256K" });
  });
});
