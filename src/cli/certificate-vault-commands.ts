import type { Command } from "commander";
import { CliError } from "./cli-error.js";
import { passwordOption } from "./certificate-options.js";
import { KeyholdClient } from "./keyhold-client.js";
import { parseBoolean } from "./options.js";
import { print } from "./output.js";
import { writeOutputFile } from "./output-file.js";
import { VISIBLE_WARNING } from "./secret-input.js";
import { CERTIFICATE_CONTACT_TABLE, CERTIFICATE_ISSUER_TABLE } from "./table-views.js";

/** What belongs to a vault's certificates as a whole: contacts, issuers, and the server's built-in CA. */

interface Contact {
  email?: string;
  name?: string;
  phone?: string;
}

interface IssuerOptions {
  vaultName: string;
  issuerName: string;
  providerName?: string;
  accountId?: string;
  password?: string;
  organizationId?: string;
}

const issuerPath = (name: string) => `/certificates/issuers/${encodeURIComponent(name)}`;

/** An issuer's REST body (IssuerBundle) from az's flags; absent flags are left out, so that an update keeps them. */
async function issuerBody(o: IssuerOptions, enabled: boolean | undefined): Promise<Record<string, unknown>> {
  const password = await passwordOption(o.password, "issuer account password");
  const credentials = { ...(o.accountId !== undefined && { account_id: o.accountId }), ...(password !== undefined && { pwd: password }) };
  return {
    ...(o.providerName !== undefined && { provider: o.providerName }),
    ...(Object.keys(credentials).length > 0 && { credentials }),
    ...(o.organizationId !== undefined && { org_details: { id: o.organizationId } }),
    ...(enabled !== undefined && { attributes: { enabled } }),
  };
}

/** The vault's contacts: none is an empty list (the API answers 404 when a vault has none). */
async function contactsOf(client: KeyholdClient, vaultName: string): Promise<Contact[]> {
  try {
    return ((await client.vaultCall(vaultName, "GET", "/certificates/contacts")) as { contacts?: Contact[] }).contacts ?? [];
  } catch (error) {
    if (error instanceof CliError && error.statusCode === 404) return [];
    throw error;
  }
}

function registerContactCommands(certificate: Command): void {
  const contact = certificate.command("contact").description("Manage the contacts told about certificate events");
  const vault = (command: Command) => command.requiredOption("--vault-name <vault>", "vault name");

  vault(contact.command("add").description("Add a contact to the vault's list"))
    .requiredOption("--email <email>", "the contact's email address")
    .option("--name <name>", "the contact's name")
    .option("--phone <phone>", "the contact's phone number")
    .action(async (o: { vaultName: string } & Contact) => {
      const client = new KeyholdClient();
      const contacts = await contactsOf(client, o.vaultName);
      if (contacts.some((c) => c.email === o.email)) throw new CliError("ContactExists", `contact '${o.email}' already exists`);
      const added = { email: o.email, ...(o.name !== undefined && { name: o.name }), ...(o.phone !== undefined && { phone: o.phone }) };
      const answer = await client.vaultCall(o.vaultName, "PUT", "/certificates/contacts", { contacts: [...contacts, added] });
      print((answer as { contacts: Contact[] }).contacts, CERTIFICATE_CONTACT_TABLE);
    });

  vault(contact.command("list").description("List the vault's contacts")).action(async (o: { vaultName: string }) =>
    print(await contactsOf(new KeyholdClient(), o.vaultName), CERTIFICATE_CONTACT_TABLE),
  );

  vault(contact.command("delete").description("Remove a contact from the vault's list"))
    .requiredOption("--email <email>", "the contact's email address")
    .action(async (o: { vaultName: string; email: string }) => {
      const client = new KeyholdClient();
      const contacts = await contactsOf(client, o.vaultName);
      const remaining = contacts.filter((c) => c.email !== o.email);
      if (remaining.length === contacts.length) throw new CliError("ContactNotFound", `contact '${o.email}' not found in vault`);
      // The API takes no empty list: the last contact goes with the whole list.
      if (remaining.length === 0) await client.vaultCall(o.vaultName, "DELETE", "/certificates/contacts");
      else await client.vaultCall(o.vaultName, "PUT", "/certificates/contacts", { contacts: remaining });
      print(remaining, CERTIFICATE_CONTACT_TABLE);
    });
}

function registerIssuerCommands(certificate: Command): void {
  const issuer = certificate.command("issuer").description("Manage the issuers (certificate authorities) a policy may name");
  const client = () => new KeyholdClient();
  const named = (command: Command) =>
    command.requiredOption("--vault-name <vault>", "vault name").requiredOption("--issuer-name <name>", "the issuer's name");
  const settings = (command: Command) =>
    command
      .option("--account-id <id>", "the account id at the provider")
      .option("--password <password>", `the account's password; - reads it from stdin. Note: ${VISIBLE_WARNING}, so prefer -`)
      .option("--organization-id <id>", "the organization id at the provider");

  settings(named(issuer.command("create").description("Register an issuer")))
    .requiredOption("--provider-name <provider>", "the provider, e.g. Keyhold (the built-in CA), DigiCert, GlobalSign")
    .option("--disabled", "register it disabled")
    .action(async (o: IssuerOptions & { disabled?: boolean }) =>
      print(
        await client().vaultCall(o.vaultName, "PUT", issuerPath(o.issuerName), await issuerBody(o, !o.disabled)),
        CERTIFICATE_ISSUER_TABLE,
      ),
    );

  settings(named(issuer.command("update").description("Change an issuer's settings")))
    .option("--provider-name <provider>", "the provider")
    .option("--enabled <bool>", "enable or disable it", parseBoolean)
    .action(async (o: IssuerOptions & { enabled?: boolean }) =>
      print(
        await client().vaultCall(o.vaultName, "PATCH", issuerPath(o.issuerName), await issuerBody(o, o.enabled)),
        CERTIFICATE_ISSUER_TABLE,
      ),
    );

  named(issuer.command("show").description("Show an issuer (never its password)")).action(async (o: IssuerOptions) =>
    print(await client().vaultCall(o.vaultName, "GET", issuerPath(o.issuerName)), CERTIFICATE_ISSUER_TABLE),
  );

  named(issuer.command("delete").description("Remove an issuer")).action(async (o: IssuerOptions) =>
    print(await client().vaultCall(o.vaultName, "DELETE", issuerPath(o.issuerName)), CERTIFICATE_ISSUER_TABLE),
  );

  issuer
    .command("list")
    .description("List the vault's issuers")
    .requiredOption("--vault-name <vault>", "vault name")
    .action(async (o: { vaultName: string }) =>
      print(await client().vaultList(o.vaultName, "/certificates/issuers"), CERTIFICATE_ISSUER_TABLE),
    );
}

/** `certificate ca show`: the server's built-in CA certificate (PEM), the one to trust for the certificates it signs. */
function registerCaCommands(certificate: Command): void {
  certificate
    .command("ca")
    .description("The server's built-in certificate authority")
    .command("show")
    .description("Print (or write to a file) the built-in CA's certificate, PEM")
    .option("-f, --file <file>", "write it here instead of stdout")
    .option("--overwrite", "replace the file if it exists (by default an existing file is refused)")
    .action(async (o: { file?: string; overwrite?: boolean }) => {
      const pem = await new KeyholdClient().publicText("/keyhold/ca.pem");
      if (o.file) writeOutputFile(o.file, Buffer.from(pem), o.overwrite);
      else process.stdout.write(pem);
    });
}

export function registerCertificateVaultCommands(certificate: Command): void {
  registerContactCommands(certificate);
  registerIssuerCommands(certificate);
  registerCaCommands(certificate);
}
