import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runKeyhold } from "../support/cli.js";
import { type DevServer, startDevServer, testRoot } from "../support/dev-server.js";

/** `keyhold certificate …` as child processes against a live server; certificates checked with node:crypto. */
describe("keyhold certificate commands", () => {
  let server: DevServer;
  let work: string;
  let vault: string;
  before(async () => {
    server = await startDevServer();
    vault = server.env.KEY_VAULT_NAME!;
    work = mkdtempSync(join(testRoot(), "cli-certificates-"));
  });
  after(async () => {
    await server.stop();
  });

  const keyhold = (args: string[], env: Record<string, string> = server.env, input?: string) => runKeyhold(env, args, work, input);
  /** A command that must succeed (`input` goes to its stdin); its stdout parsed as JSON, or null when empty. */
  const ok = (args: string[], input?: string): any => {
    const r = keyhold(args, server.env, input);
    assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : null;
  };
  /** A failure: exit 1, one line on stderr (returned), nothing on stdout. */
  const fails = (args: string[], line: RegExp, env?: Record<string, string>, input?: string): string => {
    const r = keyhold(args, env, input);
    assert.equal(r.status, 1, `keyhold ${args.join(" ")} should fail: ${r.stdout}`);
    assert.match(r.stderr, line);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line, no stack: ${r.stderr}`);
    assert.equal(r.stdout, "");
    return r.stderr;
  };
  /** A `-o table` answer as lines, each checked to fit a 120-column terminal. */
  const table = (args: string[]): string[] => {
    const r = keyhold([...args, "-o", "table"]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    for (const line of lines) assert.ok(line.length <= 120, `fits 120 columns: ${line}`);
    return lines;
  };
  const v = (name: string) => ["--vault-name", vault, "-n", name];
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
  const cerOf = (name: string): Buffer => Buffer.from(ok(["certificate", "show", ...v(name)]).cer, "base64");
  const fileCertificate = (file: string) => new X509Certificate(readFileSync(join(work, file)));
  /** A certificate's validity in months, to the nearest (a month from 30 November ends on 30 December or 2 March). */
  const monthsOf = (cert: X509Certificate) => Math.round((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (30.44 * 86_400_000));

  it("prints az's default policy and creates a certificate with it when no --policy is given", () => {
    const policy = ok(["certificate", "get-default-policy"]);
    assert.deepEqual(policy.issuer_parameters, { name: "Self" });
    assert.deepEqual(policy.key_properties, { exportable: true, key_type: "RSA", key_size: 2048, reuse_key: true });
    assert.deepEqual(policy.lifetime_actions, [{ action: { action_type: "AutoRenew" }, trigger: { days_before_expiry: 90 } }]);
    assert.equal(policy.x509_certificate_properties.subject, "CN=CLIGetDefaultPolicy");
    const policyTable = table(["certificate", "get-default-policy"]);
    assert.match(policyTable[0]!, /^Subject\s+Issuer\s+KeyType\s+KeySize\s+ValidityMonths\s+ContentType$/);
    assert.match(policyTable[2]!, /^CN=CLIGetDefaultPolicy\s+Self\s+RSA\s+2048\s+12\s+application\/x-pkcs12$/);

    const operation = ok(["certificate", "create", ...v("cli-default")]);
    assert.equal(operation.status, "completed");
    assert.equal(operation.issuer.name, "Self");
    assert.match(operation.id, /\/certificates\/cli-default\/pending$/);
    const shown = ok(["certificate", "show", ...v("cli-default")]);
    assert.equal(shown.policy.key_props.kty, "RSA");
    assert.equal(shown.policy.lifetime_actions[0].action.action_type, "AutoRenew");
    const cert = new X509Certificate(Buffer.from(shown.cer, "base64"));
    assert.equal(cert.subject, "CN=CLIGetDefaultPolicy");
    assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(monthsOf(cert), 12);
  });

  it("creates from a policy file in az's snake_case shape, in camelCase, or in the REST shape, with --validity, tags, disabled", () => {
    const azShape = {
      issuer_parameters: { name: "Self", certificate_type: null },
      key_properties: { exportable: true, key_type: "EC", curve: "P-256", reuse_key: false },
      secret_properties: { content_type: "application/x-pem-file" },
      x509_certificate_properties: {
        subject: "CN=web.example",
        subject_alternative_names: { dns_names: ["web.example", "www.web.example"] },
        ekus: ["1.3.6.1.5.5.7.3.1"],
        key_usage: ["digitalSignature"],
        validity_in_months: 6,
      },
    };
    writeFileSync(join(work, "policy.json"), JSON.stringify(azShape));
    ok(["certificate", "create", ...v("cli-web"), "--policy", "@policy.json", "--validity", "3", "--tags", "env=dev"]);
    const web = ok(["certificate", "show", ...v("cli-web")]);
    assert.deepEqual(web.tags, { env: "dev" });
    assert.equal(web.contentType, "application/x-pem-file");
    assert.equal(web.policy.x509_props.validity_months, 3, "--validity replaces the policy's");
    const cert = new X509Certificate(Buffer.from(web.cer, "base64"));
    assert.equal(cert.subject, "CN=web.example");
    assert.equal(cert.subjectAltName, "DNS:web.example, DNS:www.web.example");
    assert.equal(cert.publicKey.asymmetricKeyType, "ec");
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.equal(monthsOf(cert), 3);
    // A new version without --policy keeps the certificate's policy (not az's default), --validity aside.
    ok(["certificate", "create", ...v("cli-web"), "--validity", "2"]);
    const renewed = new X509Certificate(cerOf("cli-web"));
    assert.equal(renewed.subjectAltName, "DNS:web.example, DNS:www.web.example");
    assert.equal(renewed.publicKey.asymmetricKeyType, "ec");
    assert.equal(monthsOf(renewed), 2);

    const camel = {
      issuerParameters: { name: "Self" },
      keyProperties: { keyType: "RSA", keySize: 3072, exportable: false },
      x509CertificateProperties: { subject: "CN=camel.example", validityInMonths: 2 },
    };
    ok(["certificate", "create", ...v("cli-camel"), "--policy", JSON.stringify(camel), "--disabled"]);
    const camelShown = ok(["certificate", "show", ...v("cli-camel")]);
    assert.equal(camelShown.attributes.enabled, false);
    assert.equal(camelShown.policy.key_props.exportable, false);
    const camelCert = new X509Certificate(Buffer.from(camelShown.cer, "base64"));
    assert.equal(camelCert.subject, "CN=camel.example");
    assert.equal(camelCert.publicKey.asymmetricKeyDetails?.modulusLength, 3072);

    // A policy as `show` prints it (REST names, with its read-only id and dates) is taken back as it is.
    writeFileSync(join(work, "rest-policy.json"), JSON.stringify(web.policy));
    ok(["certificate", "create", ...v("cli-rest"), "--policy", "@rest-policy.json"]);
    const rest = new X509Certificate(Buffer.from(ok(["certificate", "show", ...v("cli-rest")]).cer, "base64"));
    assert.equal(rest.subjectAltName, "DNS:web.example, DNS:www.web.example");
  });

  it("refuses a malformed policy on the command line, creating nothing", () => {
    fails(
      ["certificate", "create", ...v("cli-bad"), "--policy", '{"key_properties":{"key_sise":2048}}'],
      /^ERROR: \(BadParameter\) --policy: the policy\.key_properties has no field 'key_sise' \(it takes .*key_size.*\) Hint: /,
    );
    fails(["certificate", "create", ...v("cli-bad"), "--policy", "{not json"], /^ERROR: \(BadParameter\) --policy is not JSON/);
    fails(["certificate", "create", ...v("cli-bad"), "--policy", "@missing.json"], /^ERROR: \(FileNotFound\) missing\.json/);
    fails(
      ["certificate", "create", ...v("cli-bad"), "--policy", '{"key_properties":{"key_type":"EC","curve":"P-192"}}'],
      /^ERROR: \(BadParameter\) key_props\.crv must be one of /,
    );
    const missing = fails(["certificate", "show", ...v("cli-bad")], /^ERROR: \(CertificateNotFound\) /);
    assert.match(missing, /Hint: `keyhold certificate list --vault-name V` shows the certificates .*list-deleted/);
  });

  it("downloads the public certificate as PEM or DER, equal to show's cer, and never over a file unasked", () => {
    const shown = ok(["certificate", "show", ...v("cli-web")]);
    const der = Buffer.from(shown.cer, "base64");
    ok(["certificate", "download", ...v("cli-web"), "--file", "web.pem"]);
    const pem = readFileSync(join(work, "web.pem"), "utf8");
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/);
    assert.deepEqual(new X509Certificate(pem).raw, der);
    ok(["certificate", "download", ...v("cli-web"), "--file", "web.cer", "--encoding", "DER"]);
    assert.deepEqual(readFileSync(join(work, "web.cer")), der);
    assert.deepEqual(new X509Certificate(readFileSync(join(work, "web.cer"))).raw, der);
    assert.equal(statSync(join(work, "web.cer")).mode & 0o777, 0o600);
    fails(["certificate", "download", ...v("cli-web"), "--file", "web.cer"], /^ERROR: \(FileExists\) .*--overwrite/);
    ok(["certificate", "download", ...v("cli-web"), "--file", "web.cer", "--encoding", "PEM", "--overwrite"]);
    assert.deepEqual(new X509Certificate(readFileSync(join(work, "web.cer"))).raw, der);
    fails(["certificate", "download", ...v("cli-web"), "--file", "x", "--encoding", "CRT"], /Allowed choices are PEM, DER/);
  });

  it("shows versions by --version and --id, lists them, and changes attributes, tags and the policy", () => {
    const first = ok(["certificate", "show", ...v("cli-default")]);
    ok(["certificate", "create", ...v("cli-default")]);
    const latest = ok(["certificate", "show", ...v("cli-default")]);
    assert.notEqual(latest.id, first.id);
    const firstVersion = first.id.split("/").pop();
    assert.equal(ok(["certificate", "show", ...v("cli-default"), "--version", firstVersion]).cer, first.cer);
    assert.equal(ok(["certificate", "show", "--id", first.id]).x5t, first.x5t);
    fails(
      ["certificate", "show", "--id", first.id.replace("/certificates/", "/secrets/")],
      /It names a secret, but this command takes a certificate's id/,
    );

    const versions = ok(["certificate", "list-versions", ...v("cli-default")]);
    assert.equal(versions.length, 2);
    const versionTable = table(["certificate", "list-versions", ...v("cli-default")]);
    assert.match(versionTable[0]!, /^Version\s+Thumbprint\s+Enabled\s+Expires$/);
    const thumbprint = createHash("sha1").update(Buffer.from(first.cer, "base64")).digest("hex").toUpperCase();
    assert.ok(
      versionTable.some((line) => line.startsWith(`${firstVersion}  ${thumbprint}  true`)),
      versionTable.join("\n"),
    );

    const listed = ok(["certificate", "list", "--vault-name", vault]);
    assert.ok(listed.some((c: any) => c.id.endsWith("/certificates/cli-default") && c.x5t === latest.x5t));
    assert.equal(ok(["certificate", "list", "--vault-name", vault, "--maxresults", "1"]).length, 1);
    assert.ok(ok(["certificate", "list", "--vault-name", vault, "--include-pending"]).length >= listed.length);
    const listTable = table(["certificate", "list", "--vault-name", vault]);
    assert.match(listTable[0]!, /^Name\s+Thumbprint\s+Enabled\s+Expires$/);

    const changed = ok(["certificate", "set-attributes", ...v("cli-default"), "--version", firstVersion, "--enabled", "false"]);
    assert.equal(changed.attributes.enabled, false);
    assert.equal(ok(["certificate", "show", ...v("cli-default")]).attributes.enabled, true, "only the version named");
    const tagged = ok([
      "certificate",
      "set-attributes",
      ...v("cli-default"),
      "--tags",
      "team=web",
      "--policy",
      '{"x509_certificate_properties":{"validity_in_months":6}}',
    ]);
    assert.deepEqual(tagged.tags, { team: "web" });
    const policy = ok(["certificate", "show", ...v("cli-default")]).policy;
    assert.equal(policy.x509_props.validity_months, 6);
    assert.equal(policy.x509_props.subject, "CN=CLIGetDefaultPolicy", "the rest of the policy is kept");
    const showTable = table(["certificate", "show", ...v("cli-default")]);
    assert.match(showTable[0]!, /^Name\s+Version\s+Subject\s+Issuer\s+Enabled\s+Expires$/);
    assert.match(showTable[2]!, /^cli-default\s+[0-9a-f]{32}\s+CN=CLIGetDefaultPolicy\s+Self\s+true\s+\d{4}-/);
  });

  it("deletes, shows and lists deleted certificates, recovers and purges them", () => {
    ok(["certificate", "create", ...v("cli-gone")]);
    const deleted = ok(["certificate", "delete", ...v("cli-gone")]);
    assert.match(deleted.recoveryId, /\/deletedcertificates\/cli-gone$/);
    fails(["certificate", "show", ...v("cli-gone")], /^ERROR: \(CertificateNotFound\)/);
    assert.ok(ok(["certificate", "list-deleted", "--vault-name", vault]).some((c: any) => c.recoveryId === deleted.recoveryId));
    const withPending = ok(["certificate", "list-deleted", "--vault-name", vault, "--include-pending"]);
    assert.ok(withPending.some((c: any) => c.recoveryId === deleted.recoveryId));
    assert.match(table(["certificate", "list-deleted", "--vault-name", vault])[0]!, /^Name\s+DeletedDate\s+ScheduledPurgeDate$/);
    assert.ok(ok(["certificate", "show-deleted", ...v("cli-gone")]).scheduledPurgeDate);
    assert.ok(ok(["certificate", "show-deleted", "--id", deleted.recoveryId]).cer);
    assert.equal(ok(["certificate", "recover", ...v("cli-gone")]).id.split("/")[4], "cli-gone");
    assert.equal(ok(["certificate", "show", ...v("cli-gone")]).cer, deleted.cer);
    ok(["certificate", "delete", ...v("cli-gone")]);
    assert.equal(ok(["certificate", "purge", ...v("cli-gone")]), null);
    fails(["certificate", "show-deleted", ...v("cli-gone")], /^ERROR: \(CertificateNotFound\)/);
  });

  it("shows and deletes a certificate's operation", () => {
    ok(["certificate", "create", ...v("cli-op")]);
    const operation = ok(["certificate", "pending", "show", ...v("cli-op")]);
    assert.equal(operation.status, "completed");
    assert.match(operation.target, /\/certificates\/cli-op$/);
    const opTable = table(["certificate", "pending", "show", ...v("cli-op")]);
    assert.match(opTable[0]!, /^Name\s+Issuer\s+Status\s+CancellationRequested\s+Error$/);
    assert.match(opTable[2]!, /^cli-op\s+Self\s+completed\s+false$/);
    assert.equal(ok(["certificate", "pending", "delete", ...v("cli-op")]).status, "completed");
    const gone = fails(["certificate", "pending", "show", ...v("cli-op")], /^ERROR: \(PendingCertificateNotFound\) /);
    assert.match(gone, /Hint: no operation is pending for it/);
    assert.ok(ok(["certificate", "show", ...v("cli-op")]).cer, "the certificate stays");
  });

  it("prints the built-in CA's certificate, or writes it to a file", () => {
    const r = keyhold(["certificate", "ca", "show"]);
    assert.equal(r.status, 0, r.stderr);
    const ca = new X509Certificate(r.stdout);
    assert.equal(ca.ca, true);
    ok(["certificate", "ca", "show", "--file", "keyhold-ca.pem"]);
    assert.deepEqual(new X509Certificate(readFileSync(join(work, "keyhold-ca.pem"))).raw, ca.raw);
    fails(["certificate", "ca", "show", "--file", "keyhold-ca.pem"], /^ERROR: \(FileExists\)/);
  });

  it("suggests the certificate grant that fits a refusal, in either permission model", () => {
    const weak = ok(["principal", "create", "--name", "cert-weak"]);
    const env = { ...server.env, AZURE_CLIENT_ID: weak.clientId, AZURE_CLIENT_SECRET: weak.clientSecret };
    const rbac = fails(["certificate", "list", "--vault-name", vault], /^ERROR: \(Forbidden\) /, env);
    assert.match(rbac, /Hint: .*role assignment create --role 'Key Vault Certificates Officer' --assignee ID --scope \/vaults\/V/);
    ok(["vault", "create", "--name", "cert-policies", "--enable-rbac-authorization", "false"]);
    ok(["policy", "set", "--vault-name", "cert-policies", "--spn", weak.clientId, "--secret-permissions", "get"]);
    const policy = fails(
      ["certificate", "list", "--vault-name", "cert-policies"],
      /^ERROR: \(Forbidden\) .*certificates list permission/,
      env,
    );
    assert.match(policy, /Hint: .*policy set --vault-name V --spn ID --certificate-permissions …/);
  });

  it("imports a PEM file (key and certificate) and a PFX, whose password comes from stdin or the command line", () => {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=imported", "-days", "30", "-keyout", "i.key", "-out", "i.crt");
    writeFileSync(join(work, "i.pem"), readFileSync(join(work, "i.key"), "utf8") + readFileSync(join(work, "i.crt"), "utf8"));
    openssl("pkcs12", "-export", "-inkey", "i.key", "-in", "i.crt", "-passout", "pass:hunter2", "-out", "i.pfx");
    const expected = fileCertificate("i.crt").raw;

    const pem = ok(["certificate", "import", ...v("cli-pem"), "--file", "i.pem", "--tags", "from=pem"]);
    assert.deepEqual(Buffer.from(pem.cer, "base64"), expected);
    assert.deepEqual(pem.tags, { from: "pem" });
    assert.equal(ok(["certificate", "show", ...v("cli-pem")]).policy.secret_props.contentType, "application/x-pem-file");

    const pfx = ok(["certificate", "import", ...v("cli-pfx"), "--file", "i.pfx", "--password", "-", "--disabled"], "hunter2");
    assert.deepEqual(Buffer.from(pfx.cer, "base64"), expected);
    assert.equal(pfx.attributes.enabled, false);
    assert.equal(ok(["certificate", "show", ...v("cli-pfx")]).policy.secret_props.contentType, "application/x-pkcs12");
    ok(["certificate", "import", ...v("cli-pfx2"), "--file", "i.pfx", "--password", "hunter2"]);
    assert.deepEqual(cerOf("cli-pfx2"), expected);

    const wrong = fails(
      ["certificate", "import", ...v("cli-wrong"), "--file", "i.pfx", "--password", "-"],
      /^ERROR: \(\w+\) /,
      undefined,
      "nope",
    );
    assert.doesNotMatch(wrong, /nope/, "the password is not echoed");
    fails(["certificate", "show", ...v("cli-wrong")], /^ERROR: \(CertificateNotFound\)/);
    fails(["certificate", "import", ...v("cli-wrong"), "--file", "i.key"], /^ERROR: \(BadParameter\) i\.key is PEM without a certificate/);
  });

  it("issues for issuer Unknown, merges what an outside CA signed for the CSR, and cancels and deletes operations", () => {
    const unknown = (subject: string) =>
      JSON.stringify({ issuer_parameters: { name: "Unknown" }, x509_certificate_properties: { subject } });
    const started = ok(["certificate", "create", ...v("cli-ext"), "--policy", unknown("CN=ext.example")]);
    assert.equal(started.status, "inProgress");
    assert.ok(ok(["certificate", "list", "--vault-name", vault, "--include-pending"]).some((c: any) => c.id.endsWith("/cli-ext")));
    const csr = ok(["certificate", "pending", "show", ...v("cli-ext")]).csr;
    writeFileSync(join(work, "ext.csr"), `-----BEGIN CERTIFICATE REQUEST-----\n${csr}\n-----END CERTIFICATE REQUEST-----\n`);
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Outside CA", "-days", "30", "-keyout", "o.key", "-out", "o.crt");
    openssl("x509", "-req", "-in", "ext.csr", "-CA", "o.crt", "-CAkey", "o.key", "-CAcreateserial", "-out", "ext.crt", "-days", "10");
    writeFileSync(join(work, "ext-chain.pem"), readFileSync(join(work, "ext.crt"), "utf8") + readFileSync(join(work, "o.crt"), "utf8"));

    const merged = ok(["certificate", "pending", "merge", ...v("cli-ext"), "--file", "ext-chain.pem", "--tags", "ca=outside"]);
    assert.deepEqual(merged.tags, { ca: "outside" });
    const leaf = new X509Certificate(Buffer.from(merged.cer, "base64"));
    assert.deepEqual(leaf.raw, fileCertificate("ext.crt").raw);
    assert.equal(leaf.subject, "CN=ext.example");
    assert.ok(leaf.verify(fileCertificate("o.crt").publicKey), "signed by the outside CA");
    assert.equal(ok(["certificate", "pending", "show", ...v("cli-ext")]).status, "completed");

    // One DER certificate, with no chain.
    ok(["certificate", "create", ...v("cli-ext-der"), "--policy", unknown("CN=der.example")]);
    const derCsr = ok(["certificate", "pending", "show", ...v("cli-ext-der")]).csr;
    writeFileSync(join(work, "der.csr"), `-----BEGIN CERTIFICATE REQUEST-----\n${derCsr}\n-----END CERTIFICATE REQUEST-----\n`);
    openssl("x509", "-req", "-in", "der.csr", "-CA", "o.crt", "-CAkey", "o.key", "-CAcreateserial", "-out", "der.cer", "-outform", "DER");
    ok(["certificate", "pending", "merge", ...v("cli-ext-der"), "--file", "der.cer"]);
    assert.deepEqual(cerOf("cli-ext-der"), readFileSync(join(work, "der.cer")));
    fails(
      ["certificate", "pending", "merge", ...v("cli-ext-der"), "--file", "ext.csr"],
      /^ERROR: \(BadParameter\) ext\.csr holds no X\.509/,
    );

    ok(["certificate", "create", ...v("cli-cancel"), "--policy", unknown("CN=cancel.example")]);
    const cancelled = ok(["certificate", "pending", "cancel", ...v("cli-cancel")]);
    assert.equal(cancelled.cancellation_requested, true);
    assert.match(table(["certificate", "pending", "show", ...v("cli-cancel")])[2]!, /^cli-cancel\s+Unknown\s+\w+\s+true/);
    ok(["certificate", "pending", "delete", ...v("cli-cancel")]);
    fails(["certificate", "pending", "show", ...v("cli-cancel")], /^ERROR: \(PendingCertificateNotFound\)/);
  });

  it("backs up a certificate to a file and restores it after a purge", () => {
    const before = cerOf("cli-web");
    ok(["certificate", "backup", ...v("cli-web"), "--file", "web.backup"]);
    fails(["certificate", "backup", ...v("cli-web"), "--file", "web.backup"], /^ERROR: \(FileExists\)/);
    ok(["certificate", "delete", ...v("cli-web")]);
    ok(["certificate", "purge", ...v("cli-web")]);
    fails(["certificate", "show", ...v("cli-web")], /^ERROR: \(CertificateNotFound\)/);
    assert.equal(ok(["certificate", "restore", "--vault-name", vault, "--file", "web.backup"]).id.split("/")[4], "cli-web");
    assert.deepEqual(cerOf("cli-web"), before);
  });

  it("adds, lists and deletes contacts one at a time, as az does", () => {
    assert.deepEqual(ok(["certificate", "contact", "list", "--vault-name", vault]), []);
    ok(["certificate", "contact", "add", "--vault-name", vault, "--email", "ops@example.com", "--name", "Ops", "--phone", "555-0100"]);
    const both = ok(["certificate", "contact", "add", "--vault-name", vault, "--email", "dev@example.com"]);
    assert.deepEqual(both, [{ email: "ops@example.com", name: "Ops", phone: "555-0100" }, { email: "dev@example.com" }]);
    assert.deepEqual(ok(["certificate", "contact", "list", "--vault-name", vault]), both);
    assert.match(table(["certificate", "contact", "list", "--vault-name", vault])[2]!, /^ops@example\.com\s+Ops\s+555-0100$/);
    const dup = fails(["certificate", "contact", "add", "--vault-name", vault, "--email", "dev@example.com"], /^ERROR: \(ContactExists\) /);
    assert.match(dup, /Hint: `keyhold certificate contact list/);
    assert.deepEqual(ok(["certificate", "contact", "delete", "--vault-name", vault, "--email", "ops@example.com"]), [
      { email: "dev@example.com" },
    ]);
    fails(["certificate", "contact", "delete", "--vault-name", vault, "--email", "ops@example.com"], /^ERROR: \(ContactNotFound\) /);
    assert.deepEqual(ok(["certificate", "contact", "delete", "--vault-name", vault, "--email", "dev@example.com"]), []);
    assert.deepEqual(ok(["certificate", "contact", "list", "--vault-name", vault]), []);
  });

  it("creates, shows, lists, updates and deletes issuers; the built-in CA's certificates verify against `ca show`", () => {
    const issuer = ["--vault-name", vault, "--issuer-name", "team-ca"];
    const created = ok(
      ["certificate", "issuer", "create", ...issuer, "--provider-name", "Keyhold", "--account-id", "acct-1", "--password", "-"],
      "s3cret",
    );
    assert.equal(created.provider, "Keyhold");
    assert.equal(created.attributes.enabled, true);
    const shown = ok(["certificate", "issuer", "show", ...issuer]);
    assert.equal(shown.credentials.account_id, "acct-1");
    assert.doesNotMatch(JSON.stringify(shown), /s3cret/, "the password is never returned");
    const names = ok(["certificate", "issuer", "list", "--vault-name", vault]).map((i: any) => i.id.split("/").pop());
    assert.ok(names.includes("team-ca"), names.join());
    assert.match(table(["certificate", "issuer", "list", "--vault-name", vault])[0]!, /^Name\s+Provider\s+AccountId\s+Enabled$/);

    const policy = { issuer_parameters: { name: "team-ca" }, x509_certificate_properties: { subject: "CN=svc.internal" } };
    ok(["certificate", "create", ...v("cli-by-ca"), "--policy", JSON.stringify(policy)]);
    const ca = new X509Certificate(keyhold(["certificate", "ca", "show"]).stdout);
    const issued = new X509Certificate(cerOf("cli-by-ca"));
    assert.ok(issued.checkIssued(ca) && issued.verify(ca.publicKey), "signed by the CA that `ca show` prints");

    const updated = ok(["certificate", "issuer", "update", ...issuer, "--enabled", "false", "--organization-id", "org-7"]);
    assert.equal(updated.attributes.enabled, false);
    assert.equal(updated.org_details.id, "org-7");
    assert.equal(updated.credentials.account_id, "acct-1", "what the update leaves out is kept");
    ok(["certificate", "issuer", "delete", ...issuer]);
    const gone = fails(["certificate", "issuer", "show", ...issuer], /^ERROR: \(CertificateIssuerNotFound\) /);
    assert.match(gone, /Hint: `keyhold certificate issuer list --vault-name V` shows the issuers/);
  });
});
