import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { pkcePair } from "../../src/cli/browser-sign-in.js";
import { userAuthority, userEndpoint, userScope } from "../../src/cli/user-authority.js";
import { BUILT_IN_PUBLIC_CLIENT_ID } from "../../src/identity/sign-in/public-clients.js";

const connection = { ca: undefined, timeoutMs: 1000 };

describe("where the CLI signs a user in", () => {
  it("uses the v1 paths for adfs and the v2 paths for any other tenant, as the built-in public client", () => {
    const adfs = userAuthority("https://localhost:8443/", "adfs", connection);
    assert.equal(adfs.clientId, BUILT_IN_PUBLIC_CLIENT_ID);
    assert.equal(userEndpoint(adfs, "devicecode"), "https://localhost:8443/adfs/oauth2/devicecode");
    assert.equal(userEndpoint(adfs, "token"), "https://localhost:8443/adfs/oauth2/token");
    const organizations = userAuthority("https://keyhold.example.com", "organizations", connection);
    assert.equal(userEndpoint(organizations, "authorize"), "https://keyhold.example.com/organizations/oauth2/v2.0/authorize");
    assert.equal(userEndpoint(organizations, "revoke"), "https://keyhold.example.com/organizations/oauth2/v2.0/revoke");
  });

  it("asks for the vault resource, an id token and a refresh token", () => {
    assert.equal(userScope("https://vault.azure.net"), "https://vault.azure.net/.default openid profile offline_access");
  });

  it("makes a fresh PKCE pair whose challenge is the verifier's SHA-256 (S256)", () => {
    const { verifier, challenge } = pkcePair();
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(challenge, createHash("sha256").update(verifier).digest("base64url"));
    assert.notEqual(pkcePair().verifier, verifier);
  });
});
