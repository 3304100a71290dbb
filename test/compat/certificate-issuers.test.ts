import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CertificateClient, type CertificateClientOptions } from "@azure/keyvault-certificates";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { devCredential, viaDevProxy } from "../support/sdk.js";

const PASSWORD = "compat-issuer-pwd-93b0d1";

type PipelinePolicy = NonNullable<CertificateClientOptions["additionalPolicies"]>[number]["policy"];

/** Every request body the client sent and every response body it read, as the bytes went over the wire. */
function recorder(): { policy: PipelinePolicy; sent: string[]; answered: string[] } {
  const sent: string[] = [];
  const answered: string[] = [];
  const policy: PipelinePolicy = {
    name: "record-bodies",
    async sendRequest(request, next) {
      if (typeof request.body === "string") sent.push(request.body);
      const response = await next(request);
      answered.push(response.bodyAsText ?? "");
      return response;
    },
  };
  return { policy, sent, answered };
}

/** Certificate issuers and contacts through the official CertificateClient, against a live `keyhold dev`. */
describe("CertificateClient issuers and contacts against a live server", () => {
  let server: DevServer;
  let certificates: CertificateClient;
  const wire = recorder();

  before(async () => {
    server = await startDevServer();
    certificates = new CertificateClient(`https://${server.env.KEY_VAULT_NAME}.vault.azure.net`, devCredential(server), {
      ...viaDevProxy(server),
      additionalPolicies: [{ policy: wire.policy, position: "perCall" }],
    });
  });
  after(async () => {
    await server.stop();
  });

  const rejectsWith = (promise: Promise<unknown>, statusCode: number, code: string) =>
    assert.rejects(promise, (error: { statusCode?: number; code?: string }) => {
      assert.equal(error.statusCode, statusCode);
      assert.equal(error.code, code);
      return true;
    });

  it("creates, reads, updates and deletes an issuer", async () => {
    const created = await certificates.createIssuer("digicert-1", "DigiCert", {
      accountId: "keyvaultuser",
      password: PASSWORD,
      organizationId: "org-7",
      administratorContacts: [{ firstName: "John", lastName: "Doe", email: "admin@contoso.com", phone: "4255555555" }],
    });
    assert.equal(created.id, `${server.env.KEY_VAULT_URL}/certificates/issuers/digicert-1`);
    assert.equal(created.provider, "DigiCert");
    assert.equal(created.accountId, "keyvaultuser");
    assert.equal(created.password, undefined, "the password is never answered");
    assert.equal(created.organizationId, "org-7");
    assert.deepEqual(created.administratorContacts, [
      { firstName: "John", lastName: "Doe", email: "admin@contoso.com", phone: "4255555555" },
    ]);
    assert.equal(created.enabled, true);
    assert.ok(created.createdOn instanceof Date);

    const read = await certificates.getIssuer("digicert-1");
    assert.deepEqual(read, created);

    const updated = await certificates.updateIssuer("digicert-1", { accountId: "keyvaultuser2", provider: "Test" });
    assert.equal(updated.provider, "Test");
    assert.equal(updated.accountId, "keyvaultuser2");
    assert.equal(updated.organizationId, "org-7", "fields not given are kept");
    assert.deepEqual(updated.administratorContacts, created.administratorContacts);
    assert.equal(updated.password, undefined);
    assert.deepEqual(await certificates.getIssuer("digicert-1"), updated);

    const deleted = await certificates.deleteIssuer("digicert-1");
    assert.deepEqual(deleted, updated);
    await rejectsWith(certificates.getIssuer("digicert-1"), 404, "CertificateIssuerNotFound");
    await rejectsWith(certificates.updateIssuer("digicert-1", { provider: "Test" }), 404, "CertificateIssuerNotFound");
    await rejectsWith(certificates.deleteIssuer("digicert-1"), 404, "CertificateIssuerNotFound");
  });

  it("lists issuers over more than one page", async () => {
    const names = Array.from({ length: 27 }, (_, i) => `listed-${String(i).padStart(2, "0")}`);
    for (const name of names) await certificates.createIssuer(name, "Test", { password: PASSWORD });
    const pages: { id?: string; provider?: string }[][] = [];
    for await (const page of certificates.listPropertiesOfIssuers().byPage()) pages.push(page);
    assert.ok(pages.length >= 2, `${pages.length} page(s)`);
    const listed = pages.flat().filter((issuer) => issuer.id?.includes("/issuers/listed-"));
    assert.deepEqual(
      listed.map((issuer) => issuer.id),
      names.map((name) => `${server.env.KEY_VAULT_URL}/certificates/issuers/${name}`),
    );
    assert.ok(listed.every((issuer) => issuer.provider === "Test"));
  });

  it("refuses bad issuers with 400 and stores nothing", async () => {
    await rejectsWith(certificates.createIssuer("no-provider", ""), 400, "BadParameter");
    await rejectsWith(certificates.createIssuer("bad_name", "Test"), 400, "BadParameter");
    await rejectsWith(certificates.getIssuer("no-provider"), 404, "CertificateIssuerNotFound");
  });

  it("sets, reads and deletes the vault's contacts", async () => {
    await rejectsWith(certificates.getContacts(), 404, "ContactsNotFound");
    const contacts = [
      { email: "a@contoso.com", name: "a", phone: "111111111111" },
      { email: "b@contoso.com", name: "b", phone: "222222222222" },
    ];
    assert.deepEqual(await certificates.setContacts(contacts), contacts);
    assert.deepEqual(await certificates.getContacts(), contacts);
    await rejectsWith(certificates.setContacts([{ name: "no address" }]), 400, "BadParameter");
    assert.deepEqual(await certificates.getContacts(), contacts, "a refused set changes nothing");
    // The 4.10 client resolves deleteContacts with [] whatever the answer (it reads the body by its wire names as if
    // deserialised), so the deleted list is checked in the answer itself.
    await certificates.deleteContacts();
    assert.deepEqual(JSON.parse(wire.answered.at(-1)!), { id: `${server.env.KEY_VAULT_URL}/certificates/contacts`, contacts });
    await rejectsWith(certificates.getContacts(), 404, "ContactsNotFound");
  });

  // Last: it reads what every test above sent and was answered.
  it("never answers an issuer's password, though the client sent it", async () => {
    assert.ok(
      wire.sent.some((body) => body.includes(PASSWORD)),
      "the password went to the server",
    );
    assert.ok(wire.answered.length > 30);
    for (const body of wire.answered) {
      assert.ok(!body.includes(PASSWORD), "a response carries the password");
      assert.ok(!body.includes('"pwd"'), "a response carries a pwd field");
    }
  });
});
