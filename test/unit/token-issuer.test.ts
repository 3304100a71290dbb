import assert from "node:assert/strict";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type { JWK } from "jose";
import { createLocalJWKSet } from "jose/jwks/local";
import { jwtVerify } from "jose/jwt/verify";
import type { SigningKey } from "../../src/identity/signing-key.js";
import { TokenIssuer } from "../../src/identity/token-issuer.js";
import { TokenVerifier } from "../../src/identity/token-verifier.js";
import type { PrincipalRecord } from "../../src/storage/records.js";

const AUDIENCE = "https://vault.azure.net";
const ISSUER = "https://localhost:8443/tenant-id/";
const NOW = 1_800_000_000;

function testKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = "test-kid";
  return { kid, privateKey, publicKey, publicJwk: { ...(publicKey.export({ format: "jwk" }) as JWK), kid, alg: "ES256", use: "sig" } };
}

const principal: PrincipalRecord = { id: randomUUID(), kind: "servicePrincipal", displayName: "app", userName: null, createdAt: NOW };
const part = (token: string, index: number): unknown => JSON.parse(Buffer.from(token.split(".")[index]!, "base64url").toString("utf8"));

/** Tokens are compact ES256 JWS: what Azure SDK clients, generic JOSE libraries and Keyhold's own verifier accept. */
describe("token issuer", () => {
  const key = testKey();
  const issuer = new TokenIssuer(key, { issuer: ISSUER, tenantId: "tenant-id", lifetimeSeconds: 3600, now: () => NOW });

  it("writes the ES256 header and every claim of an Entra v1 app token", async () => {
    const credentialId = randomUUID();
    const token = await issuer.issue(principal, credentialId, AUDIENCE);
    assert.equal(token.expiresIn, 3600);
    assert.equal(token.expiresOn, NOW + 3600);
    assert.deepEqual(part(token.accessToken, 0), { alg: "ES256", typ: "JWT", kid: "test-kid" });
    const claims = part(token.accessToken, 1) as Record<string, unknown>;
    assert.match(String(claims.jti), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(claims, {
      oid: principal.id,
      tid: "tenant-id",
      appid: principal.id,
      azp: principal.id,
      idtyp: "app",
      ver: "1.0",
      kh_cid: credentialId,
      kh_kind: "servicePrincipal",
      iss: ISSUER,
      sub: principal.id,
      aud: AUDIENCE,
      iat: NOW,
      nbf: NOW,
      exp: NOW + 3600,
      jti: claims.jti,
    });
    assert.equal(Buffer.from(token.accessToken.split(".")[2]!, "base64url").length, 64, "r || s, not DER");
  });

  it("gives every token its own jti", async () => {
    const first = part((await issuer.issue(principal, "c", AUDIENCE)).accessToken, 1) as { jti: string };
    const second = part((await issuer.issue(principal, "c", AUDIENCE)).accessToken, 1) as { jti: string };
    assert.notEqual(first.jti, second.jti);
  });

  it("signs tokens a JOSE library verifies against the published JWKS, and none signed by another key", async () => {
    const { accessToken } = await issuer.issue(principal, "c", AUDIENCE);
    const jwks = createLocalJWKSet(issuer.jwks());
    const verified = await jwtVerify(accessToken, jwks, {
      algorithms: ["ES256"],
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: new Date(NOW * 1000),
    });
    assert.equal(verified.payload.sub, principal.id);
    const stranger = new TokenIssuer(
      { ...testKey(), kid: "test-kid" },
      { issuer: ISSUER, tenantId: "tenant-id", lifetimeSeconds: 60, now: () => NOW },
    );
    const forged = (await stranger.issue(principal, "c", AUDIENCE)).accessToken;
    await assert.rejects(jwtVerify(forged, jwks, { algorithms: ["ES256"], currentDate: new Date(NOW * 1000) }));
  });

  it("signs tokens Keyhold's verifier accepts, with the principal's kind", async () => {
    const verifier = new TokenVerifier(key, {
      acceptIssuer: (iss) => iss === ISSUER,
      tenantId: "tenant-id",
      audiences: [AUDIENCE],
      leewaySeconds: 60,
      now: () => NOW,
    });
    const identity: PrincipalRecord = { ...principal, id: randomUUID(), kind: "managedIdentity" };
    const caller = await verifier.verify((await issuer.issue(identity, "cred", AUDIENCE)).accessToken);
    assert.deepEqual(
      { principalId: caller.principalId, credentialId: caller.credentialId, kind: caller.kind, expiresAt: caller.expiresAt },
      { principalId: identity.id, credentialId: "cred", kind: "managedIdentity", expiresAt: NOW + 3600 },
    );
  });
});
