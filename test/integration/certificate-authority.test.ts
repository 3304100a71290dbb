import assert from "node:assert/strict";
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type TestApp, createTestApp } from "../support/test-app.js";

/** GET /keyhold/ca.pem: the built-in CA's certificate, public, for clients to trust. */
describe("the built-in CA's endpoint", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  const get = () => t.app.inject({ method: "GET", url: "/keyhold/ca.pem" });

  it("answers without a token: 200, a PEM certificate of the deployment's CA, the same bytes each time", async () => {
    const first = await get();
    assert.equal(first.statusCode, 200, first.body);
    assert.match(String(first.headers["content-type"]), /^application\/x-pem-file/);
    assert.doesNotMatch(first.body, /PRIVATE KEY/);
    const ca = new X509Certificate(first.body);
    assert.equal(ca.ca, true);
    assert.match(ca.subject, /^CN=Keyhold Certificate Authority [0-9a-f]{8}\nO=Keyhold$/);
    assert.ok(ca.raw.equals(t.ctx.certificateAuthority.certificateDer()));

    const second = await get();
    assert.equal(second.statusCode, 200);
    assert.equal(second.rawPayload.compare(first.rawPayload), 0);
  });

  it("answers a request that carries a token it would refuse elsewhere, since no authentication runs there", async () => {
    const res = await t.app.inject({ method: "GET", url: "/keyhold/ca.pem", headers: { authorization: "Bearer not-a-token" } });
    assert.equal(res.statusCode, 200);
    assert.ok(new X509Certificate(res.body).raw.equals(t.ctx.certificateAuthority.certificateDer()));
  });

  it("a leaf the CA signs verifies with the certificate the endpoint serves", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const notBefore = new Date();
    const leafDer = await t.ctx.certificateAuthority.sign({
      subject: "CN=app.internal",
      publicKey,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 86_400_000),
    });
    const served = new X509Certificate((await get()).body);
    const leaf = new X509Certificate(leafDer);
    assert.ok(leaf.checkIssued(served));
    assert.ok(leaf.verify(served.publicKey));
  });
});
