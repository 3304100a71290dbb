import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createSecureContext } from "node:tls";
import type { Page } from "playwright-core";
import { type TestChromium, chromiumSkipReason, launchChromium } from "../support/chromium.js";
import { devUserOf, screenshot } from "../support/console-test.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { OpensslCa } from "../support/openssl-ca.js";
import { certificateClientFor } from "../support/sdk.js";
import { opensslWorkspace } from "../support/x509-keys.js";

const skip = chromiumSkipReason();

/** The console's Certificates tab in Chromium against a live dev server, checked with the official Certificates SDK. */
describe("web console certificates, end to end in Chromium", { skip, timeout: 240_000 }, () => {
  let server: DevServer;
  let chromium: TestChromium;
  let consoleUrl: string;
  let vault: string;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    server = await startDevServer();
    chromium = await launchChromium();
    consoleUrl = `${server.env.AZURE_AUTHORITY_HOST}/`;
    vault = server.env.KEY_VAULT_NAME!;
    const devUser = devUserOf(server);
    const context = await chromium.newContext();
    page = await context.newPage();
    // A vault without contacts answers their GET with 404 (ContactsNotFound), which the view shows as an empty list;
    // Chromium reports every failed fetch, so that one is expected. Any other error fails the test.
    page.on("console", (message) => {
      const contactsNotFound = /\/certificates\/contacts\?/.test(message.location().url) && message.text().includes("404");
      if (message.type() === "error" && !contactsNotFound) errors.push(`${message.text()} ${message.location().url}`);
    });
    await page.goto(consoleUrl);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Username").fill(devUser.userName);
    await page.getByLabel("Password").fill(devUser.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Vaults" }).waitFor();
  });
  after(async () => {
    await chromium?.close();
    await server?.stop();
  });

  const shot = (name: string) => screenshot(page, name);
  const certificatesTab = async () => {
    await page.goto(`${consoleUrl}#/vaults/${vault}/certificates`);
    await page.getByRole("heading", { name: "Certificates", exact: true }).waitFor();
  };
  const downloaded = async (button: string): Promise<Buffer> => {
    const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: button, exact: true }).click()]);
    return readFileSync(await file.path());
  };
  const newCertificate = async (name: string, subject: string, dnsNames: string[], issuer: string) => {
    await certificatesTab();
    await page.getByRole("button", { name: "New certificate" }).click();
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Subject", { exact: true }).fill(subject);
    await page.getByLabel("DNS names").fill(dnsNames.join("\n"));
    await page.getByRole("combobox", { name: /^Issuer/ }).selectOption(issuer);
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name, exact: true }).waitFor();
  };

  it("creates a self-signed certificate that the SDK and node:crypto read, downloads it with its key, and edits its policy", async () => {
    await newCertificate("web-cert", "CN=web.example.org", ["web.example.org", "www.example.org"], "Self");
    const properties = page.getByRole("region", { name: "Properties" });
    await properties.getByText("DNS:web.example.org, DNS:www.example.org").waitFor();
    assert.match(await properties.innerText(), /CN=web\.example\.org/);
    await shot("certificate");

    const sdk = certificateClientFor(server);
    const made = await sdk.getCertificate("web-cert");
    assert.equal(made.policy?.subject, "CN=web.example.org");
    assert.deepEqual(made.policy?.subjectAlternativeNames?.dnsNames, ["web.example.org", "www.example.org"]);

    const pem = new X509Certificate(await downloaded("Download .pem"));
    assert.equal(pem.subject, "CN=web.example.org");
    assert.equal(pem.subjectAltName, "DNS:web.example.org, DNS:www.example.org");
    assert.ok(pem.raw.equals(Buffer.from(made.cer!)));
    assert.ok(new X509Certificate(await downloaded("Download .cer")).raw.equals(pem.raw));
    // The PFX from the certificate's secret holds the key: TLS accepts it as a server's identity.
    const pfx = await downloaded("Download with private key");
    assert.doesNotThrow(() => createSecureContext({ pfx }));

    await page.getByRole("button", { name: "Edit policy" }).click();
    await page.getByLabel("Validity in months").fill("24");
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByRole("button", { name: "Edit policy" }).waitFor();
    assert.equal((await sdk.getCertificatePolicy("web-cert")).validityInMonths, 24);
  });

  it("imports a PEM certificate with its key, shown in the list", async () => {
    const workspace = opensslWorkspace();
    try {
      const made = workspace.run(
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=imported.example.org"].concat([
          "-days",
          "30",
          "-keyout",
          "key.pem",
          "-out",
          "cert.pem",
        ]),
      );
      assert.equal(made.status, 0, made.out);
      await certificatesTab();
      await page.getByRole("button", { name: "Import certificate" }).click();
      await page.getByLabel("Name", { exact: true }).fill("imported-cert");
      await page.getByRole("combobox", { name: /^Format/ }).selectOption("pem");
      await page
        .getByLabel("Certificate and private key (PEM)")
        .fill(`${workspace.read("cert.pem").toString()}${workspace.read("key.pem").toString()}`);
      await page.getByRole("button", { name: "Import", exact: true }).click();
      await page.getByRole("heading", { name: "imported-cert" }).waitFor();
      await page.getByRole("region", { name: "Properties" }).getByText("CN=imported.example.org").waitFor();

      // The same pair as a password-protected PFX file.
      const exported = workspace.run([
        "pkcs12",
        "-export",
        "-inkey",
        "key.pem",
        "-in",
        "cert.pem",
        "-passout",
        "pass:pfx password",
        "-out",
        "c.pfx",
      ]);
      assert.equal(exported.status, 0, exported.out);
      await certificatesTab();
      await page.getByRole("button", { name: "Import certificate" }).click();
      await page.getByLabel("Name", { exact: true }).fill("pfx-cert");
      await page
        .getByLabel("PFX file", { exact: true })
        .setInputFiles({ name: "c.pfx", mimeType: "application/x-pkcs12", buffer: workspace.read("c.pfx") });
      await page.getByLabel("PFX password").fill("pfx password");
      await page.getByRole("button", { name: "Import", exact: true }).click();
      await page.getByRole("heading", { name: "pfx-cert" }).waitFor();
      await page.getByRole("region", { name: "Properties" }).getByText("CN=imported.example.org").waitFor();
    } finally {
      workspace.dispose();
    }
    const imported = await certificateClientFor(server).getCertificate("imported-cert");
    assert.equal(new X509Certificate(Buffer.from(imported.cer!)).subject, "CN=imported.example.org");
    await certificatesTab();
    await page.getByRole("link", { name: "imported-cert" }).waitFor();
    await page.getByRole("link", { name: "web-cert" }).waitFor();
    await shot("certificates");
  });

  it("makes a CSR for issuer Unknown, merges the certificate an outside CA signed, and the SDK reads it", async () => {
    await newCertificate("csr-cert", "CN=csr.example.org", ["csr.example.org"], "Unknown");
    await page.getByRole("region", { name: "Pending operation" }).getByText("In progress, issuer Unknown").waitFor();
    const csrPem = (await downloaded("Download CSR")).toString();
    assert.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
    const ca = new OpensslCa();
    try {
      const signed = ca.sign(csrPem.replace(/-----[A-Z ]+-----|\s+/g, ""));
      await page.getByLabel("Signed certificate (PEM)").fill(signed + ca.caPem);
      await page.getByRole("button", { name: "Merge" }).click();
      await page.getByRole("region", { name: "Properties" }).getByText("DNS:csr.example.org").waitFor();
      assert.equal(await page.getByRole("region", { name: "Pending operation" }).count(), 0);
    } finally {
      ca.close();
    }
    const merged = await certificateClientFor(server).getCertificate("csr-cert");
    const leaf = new X509Certificate(Buffer.from(merged.cer!));
    assert.equal(leaf.subject, "CN=csr.example.org");
    assert.equal(leaf.issuer, "CN=Outside Test CA");
    assert.equal(merged.properties.enabled, true);
  });

  it("deletes, recovers and purges certificates, sets the contacts, and adds, edits and deletes an issuer", async () => {
    await page.goto(`${consoleUrl}#/vaults/${vault}/certificates/imported-cert`);
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Deleted certificates" }).waitFor();
    await page.getByRole("cell", { name: "imported-cert" }).waitFor();
    await page.getByRole("button", { name: "Recover" }).click();
    await page.getByText("No deleted certificates.").waitFor();
    const sdk = certificateClientFor(server);
    assert.equal((await sdk.getCertificate("imported-cert")).properties.enabled, true);

    // Purging is asked twice.
    await page.goto(`${consoleUrl}#/vaults/${vault}/certificates/csr-cert`);
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("cell", { name: "csr-cert" }).waitFor();
    await page.getByRole("button", { name: "Purge", exact: true }).click();
    await page.getByRole("button", { name: "Purge for good" }).click();
    await page.getByText("No deleted certificates.").waitFor();
    await assert.rejects(sdk.getDeletedCertificate("csr-cert"), { statusCode: 404 });

    await certificatesTab();
    await page.getByRole("link", { name: "Contacts" }).click();
    await page.getByRole("textbox", { name: "Contacts" }).fill("ops@example.org, Ops Team, 555-0100\nsecurity@example.org");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").getByText("Saved.").waitFor();
    const contacts = await sdk.getContacts();
    assert.deepEqual(
      contacts?.map((c) => [c?.email, c?.name, c?.phone]),
      [
        ["ops@example.org", "Ops Team", "555-0100"],
        ["security@example.org", undefined, undefined],
      ],
    );

    await certificatesTab();
    await page.getByRole("link", { name: "Issuers" }).click();
    await page.getByRole("button", { name: "New issuer" }).click();
    await page.getByLabel("Issuer name").fill("outside-ca");
    await page.getByLabel("Provider").fill("DigiCert");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("cell", { name: "outside-ca", exact: true }).waitFor();
    assert.equal((await sdk.getIssuer("outside-ca")).provider, "DigiCert");
    await page.getByRole("button", { name: "Edit outside-ca" }).click();
    await page.getByLabel("Provider").fill("GlobalSign");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("cell", { name: "GlobalSign", exact: true }).waitFor();
    assert.equal((await sdk.getIssuer("outside-ca")).provider, "GlobalSign");
    await page.getByRole("button", { name: "Delete outside-ca" }).click();
    await page.getByRole("button", { name: "Delete for good" }).click();
    await page.getByRole("cell", { name: "outside-ca", exact: true }).waitFor({ state: "detached" });
    await assert.rejects(sdk.getIssuer("outside-ca"), { statusCode: 404 });
    assert.deepEqual(errors, []);
  });
});
