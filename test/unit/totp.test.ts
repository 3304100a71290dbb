import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { base32 } from "../../src/identity/base32.js";
import { hotp, matchingTotpStep, totp, totpStep } from "../../src/identity/totp.js";
import { fromBase32 } from "../support/totp-secret.js";

/** The RFC 4226 / RFC 6238 SHA-1 test secret: the ASCII digits 1234567890 twice. */
const RFC_SECRET = Buffer.from("12345678901234567890", "ascii");

describe("HOTP and TOTP", () => {
  it("gives RFC 4226 Appendix D's HOTP values", () => {
    const expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
    assert.deepEqual(
      expected.map((_, counter) => hotp(RFC_SECRET, counter)),
      expected,
    );
  });

  it("gives RFC 6238 Appendix B's SHA-1 values (8 digits)", () => {
    const vectors: [number, string][] = [
      [59, "94287082"],
      [1111111109, "07081804"],
      [1111111111, "14050471"],
      [1234567890, "89005924"],
      [2000000000, "69279037"],
      [20000000000, "65353130"],
    ];
    for (const [time, code] of vectors) assert.equal(totp(RFC_SECRET, time, 8), code, `T=${time}`);
  });

  it("takes 6-digit codes of the current step and one step either side, and nothing further", () => {
    const now = 1_700_000_015;
    const step = totpStep(now);
    assert.equal(step, Math.floor(now / 30));
    for (const offset of [-1, 0, 1]) assert.equal(matchingTotpStep(RFC_SECRET, hotp(RFC_SECRET, step + offset), now), step + offset);
    for (const offset of [-2, 2]) {
      const code = hotp(RFC_SECRET, step + offset);
      const inWindow = [-1, 0, 1].some((o) => hotp(RFC_SECRET, step + o) === code);
      if (!inWindow) assert.equal(matchingTotpStep(RFC_SECRET, code, now), null, `offset ${offset}`);
    }
  });

  it("refuses codes that are not six digits", () => {
    const now = 1_700_000_015;
    const code = totp(RFC_SECRET, now);
    for (const bad of ["", `${code}0`, code.slice(1), ` ${code}`, "abcdef", totp(RFC_SECRET, now, 8)]) {
      assert.equal(matchingTotpStep(RFC_SECRET, bad, now), null, JSON.stringify(bad));
    }
  });
});

describe("base32", () => {
  it("encodes RFC 4648 §10's vectors, without padding", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "MY"],
      ["fo", "MZXQ"],
      ["foo", "MZXW6"],
      ["foob", "MZXW6YQ"],
      ["fooba", "MZXW6YTB"],
      ["foobar", "MZXW6YTBOI"],
    ];
    for (const [plain, encoded] of vectors) assert.equal(base32(Buffer.from(plain, "ascii")), encoded);
  });

  it("round-trips random secrets of 20 bytes (32 characters)", () => {
    for (let i = 0; i < 50; i++) {
      const secret = randomBytes(20);
      const text = base32(secret);
      assert.match(text, /^[A-Z2-7]{32}$/);
      assert.deepEqual(fromBase32(text), secret);
    }
  });
});
